// How an aggregate reads its parts: one part, a list, or a record whose keys name the parts;
// plain functions become parts named after the function. Repeated names get _1, _2, …
// (as Keras/Elegy).
import { isPlainObject } from "../tree";

export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let i = 1; seen.has(candidate); i++) candidate = `${name}_${i}`;
    seen.add(candidate);
    return candidate;
  });
}

/** "meanError" → "mean_error" (Keras-style names for functions). */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** The name a plain function gets as a part. */
export function functionPartName(fn: { name: string }): string {
  return fn.name ? snakeCase(fn.name) : "custom";
}

/**
 * [name, part] pairs of a spec. `toPart(x, name?)` turns one item into a part (a record key
 * is passed as the name) or returns undefined when the item is not a part.
 */
export function namedParts<T extends { name: string }>(
  spec: unknown,
  toPart: (item: unknown, name?: string) => T | undefined,
  fail: (where: string, item: unknown) => never,
): Array<[string, T]> {
  const one = (item: unknown, where: string, key?: string): [string, T] => {
    const part = toPart(item, key);
    if (part === undefined) fail(where, item);
    return [key ?? part.name, part];
  };
  if (Array.isArray(spec)) return spec.map((item, i) => one(item, `at index ${i}`));
  const single = toPart(spec);
  if (single !== undefined) return [[single.name, single]];
  if (isPlainObject(spec)) return Object.entries(spec).map(([key, item]) => one(item, `'${key}'`, key));
  return fail("given", spec);
}

/** A factory given where the part it makes belongs: `loss given is the factory losses.huber itself, …`. */
export function factoryMessage(part: string, where: string, namespace: string, factory: { name: string }): string {
  const call = `${namespace}.${factory.name}`;
  return `${part} ${where} is the factory ${call} itself, not a ${part}: call it, as ${call}() (its options go in the call).`;
}

/** The factory functions (lowercase names, unlike classes and key lists) among modules' exports. */
export function factoriesOf(...modules: object[]): Set<unknown> {
  return new Set(modules.flatMap((m) => Object.values(m)).filter((v) => typeof v === "function" && /^[a-z]/.test((v as { name: string }).name)));
}
