// "Did you mean …?" for injectable names, option names and flags: shared by the transformer's
// diagnostics and the runtime's errors, so both suggest the same name. Dependency-free and
// pure: the transformer loads it inside the compiler.
//
// Names are compared after normalisation (case and separators dropped), so the snake-case
// and shouting spellings of a name are exact matches: `y_true` and `Y_TRUE` → `yTrue`.
// Then edit distance decides, counting a swap of two neighbours as one edit (optimal string
// alignment, i.e. Levenshtein plus transpositions), so the typo `y_ture` → `yTrue` is one edit.

/** Lowercase, without `_`, `-` or spaces: `y_true`, `Y_TRUE`, `y-true` and `yTrue` all become `ytrue`. */
export function normaliseName(name: string): string {
  return name.replace(/[_\-\s]/g, "").toLowerCase();
}

/** Edit distance: insert, delete, substitute, or swap two neighbouring characters, each costs 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  for (let i = 0; i < rows; i++) d[i][0] = i;
  for (let j = 0; j < cols; j++) d[0][j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The most edits at which a candidate still counts as "meant": about one edit per three
 * characters of the (normalised) name, at least 1, at most 3. A candidate is never suggested
 * when every character would have to change (so `y` does not suggest `x`).
 */
export function maxSuggestionDistance(normalisedLength: number): number {
  return Math.min(3, Math.max(1, Math.floor(normalisedLength / 3)));
}

/**
 * The candidate `name` most plausibly stands for, or undefined. Ties go to the earlier
 * candidate, so pass candidates in a meaningful order (the table order of injectables).
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const target = normaliseName(name);
  if (target.length === 0) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(target, normaliseName(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  if (bestDistance === 0) return best;
  if (bestDistance >= target.length) return undefined;
  return bestDistance <= maxSuggestionDistance(target.length) ? best : undefined;
}

/**
 * Names users bring from Keras, Elegy, PyTorch and JAX code for what a step injects under
 * another name (normalised), which no edit distance would find: `labels` is `yTrue`.
 */
const INJECTABLE_SYNONYMS: Readonly<Record<string, string>> = {
  y: "yTrue", labels: "yTrue", label: "yTrue", target: "yTrue", targets: "yTrue", ytarget: "yTrue",
  inputs: "x", input: "x", features: "x",
  init: "initializing", initialize: "initializing", initialise: "initializing", isinit: "initializing", isinitializing: "initializing",
  istraining: "training", train: "training", trainingmode: "training",
  weights: "sampleWeight", sampleweights: "sampleWeight", classweights: "classWeight",
  state: "states", params: "states", parameters: "states",
};

/** The injectable `name` stands for: a known synonym among `candidates`, else the closest name. */
export function closestInjectable(name: string, candidates: readonly string[]): string | undefined {
  const synonym = INJECTABLE_SYNONYMS[normaliseName(name)];
  if (synonym !== undefined && candidates.includes(synonym)) return synonym;
  return closestName(name, candidates);
}

/** The sentence every "meant" suggestion ends with: ` Did you mean 'yTrue'?` (with `prefix`, e.g. `--`), or nothing. */
export function didYouMean(suggestion: string | undefined, prefix = ""): string {
  return suggestion ? ` Did you mean '${prefix}${suggestion}'?` : "";
}
