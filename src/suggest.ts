// "Did you mean …?" for injectable names, shared by the transformer's diagnostics and the
// runtime's errors. Dependency-free: the transformer loads it inside the compiler.

/** Lowercase without underscores/dashes, so `y_true`, `Y_TRUE` and `yTrue` compare equal. */
export function normalizeName(name: string): string {
  return name.replace(/[_\-\s]/g, "").toLowerCase();
}

/**
 * Edit distance where insert, delete, substitute and swapping two neighbours each cost 1
 * (optimal string alignment), so the typo `ture` is one edit from `true`.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The closest candidate to `name`, or undefined when nothing is plausibly meant
 * (the distance between normalized names must be at most a third of the name's
 * length, at least 1 and at most 3).
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const target = normalizeName(name);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(target, normalizeName(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.min(3, Math.max(1, Math.floor(target.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}
