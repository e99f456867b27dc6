// Unique names for the parts of an aggregate: a repeated name gets _1, _2, … (as Keras/Elegy).
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let i = 1; seen.has(candidate); i++) candidate = `${name}_${i}`;
    seen.add(candidate);
    return candidate;
  });
}

/** Entries of a part given as one item, a list or a record (record keys become names). */
export function namedEntries<T extends { name: string }>(parts: T | readonly T[] | Record<string, T>, isPart: (x: unknown) => x is T): Array<[string, T]> {
  if (isPart(parts)) return [[parts.name, parts]];
  if (Array.isArray(parts)) return (parts as readonly T[]).map((p) => [p.name, p]);
  return Object.entries(parts as Record<string, T>);
}
