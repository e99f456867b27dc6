// The trials of a sweep: every combination of a grid, or a seeded random search's draws. The
// same definition always gives the same trials, which is what lets an interrupted sweep resume.
import { SweepParam, SweepSpec, isDiscrete } from "./spec";

export type TrialValues = Record<string, number | string | boolean>;

export interface PlannedTrial {
  /** `trial-001` …: also the name of its run folder. */
  id: string;
  values: TrialValues;
}

/** What a sweep runs, as its folder's sweep.json records it. */
export interface SweepPlan {
  file: string;
  model: string;
  objective: string;
  mode: "min" | "max";
  method: "grid" | "random";
  /** The trainer flags every trial shares (--epochs, --batch-size, --backend). */
  flags: string[];
  trials: PlannedTrial[];
}

/** A small seeded generator (mulberry32): the same seed, the same draws, on every machine. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function choices(param: SweepParam): readonly (number | string | boolean)[] {
  if (Array.isArray(param)) return param;
  return Array.from({ length: (param as { range: number }).range }, (_, i) => i);
}

function draw(param: SweepParam, random: () => number): number | string | boolean {
  if (isDiscrete(param)) {
    const values = choices(param);
    return values[Math.floor(random() * values.length)];
  }
  if ("logUniform" in param) {
    const [lo, hi] = param.logUniform;
    return Math.exp(Math.log(lo) + random() * (Math.log(hi) - Math.log(lo)));
  }
  const [lo, hi] = (param as { uniform: readonly [number, number] }).uniform;
  return lo + random() * (hi - lo);
}

/** The method a definition runs: given, else grid when every parameter is a list or a range. */
export function methodOf(spec: SweepSpec): "grid" | "random" {
  return spec.method ?? (Object.values(spec.sweep).every(isDiscrete) ? "grid" : "random");
}

/** The sweep's trials in order; `trials` (the option, or --trials) caps a grid and sizes a random search (default 10). */
export function planTrials(spec: SweepSpec, trials = spec.trials): PlannedTrial[] {
  const names = Object.keys(spec.sweep);
  let rows: TrialValues[];
  if (methodOf(spec) === "grid") {
    rows = [{}];
    for (const name of names) rows = rows.flatMap((row) => choices(spec.sweep[name]).map((value) => ({ ...row, [name]: value })));
    if (trials !== undefined) rows = rows.slice(0, trials);
  } else {
    const random = generator(spec.searchSeed ?? 0);
    rows = Array.from({ length: trials ?? 10 }, () => Object.fromEntries(names.map((name) => [name, draw(spec.sweep[name], random)])));
  }
  const width = Math.max(3, String(rows.length).length);
  return rows.map((values, i) => ({ id: `trial-${String(i + 1).padStart(width, "0")}`, values }));
}
