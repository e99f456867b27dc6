// "auto" in Node and in a page: the first backend of a preference order that loads, and the reason
// line that names each better one it passed over and why.

export interface Skipped<Name extends string> {
  name: Name;
  why: string;
}

export interface AutoChoice<Name extends string> {
  name: Name;
  /** tfjs's name for it (tf.getBackend()). */
  tfBackend: string;
  reason: string;
  skipped: Array<Skipped<Name>>;
}

/** The choice, or (when none loads) every backend with why it did not. */
export async function firstThatLoads<Name extends string>(
  order: readonly Name[],
  load: (name: Name) => Promise<string>,
  whyNot: (name: Name, error: unknown) => string,
): Promise<{ choice?: AutoChoice<Name>; skipped: Array<Skipped<Name>> }> {
  const skipped: Array<Skipped<Name>> = [];
  for (const name of order) {
    try {
      const tfBackend = await load(name);
      const reason = skipped.length ? `auto; ${skipped.map((s) => `${s.name} skipped: ${s.why}`).join("; ")}` : "auto; the best available";
      return { choice: { name, tfBackend, reason, skipped }, skipped };
    } catch (error) {
      skipped.push({ name, why: whyNot(name, error) });
    }
  }
  return { skipped };
}
