// A sweep's definition — `sweep`, `trials`, `objective`, `mode`, `method`, `searchSeed` in
// @trainer or in a --config JSON file — its types, its check, and the direction of its objective.
// Dependency-free apart from the suggestion helper, so @trainer's option check can use it.
import { closestName, didYouMean } from "../suggest";

/** How one parameter varies: a list of values, or a range drawn from (random search). */
export type SweepParam =
  | readonly (number | string | boolean)[]
  | { readonly logUniform: readonly [number, number] }
  | { readonly uniform: readonly [number, number] }
  | { readonly range: number };

/** Parameter name → how it varies; each trial's values are passed to the model's constructor. */
export type SweepSpace = Readonly<Record<string, SweepParam>>;

/** The value type one parameter gives a trial. */
export type SweepValue<P> = P extends readonly (infer V)[] ? V : number;

/** The constructor options one trial passes: each swept name with its value's type. */
export type SweepValues<S> = { -readonly [K in keyof S]: SweepValue<S[K]> };

/** Everything that defines a sweep besides the model and its data. */
export interface SweepSpec {
  sweep: SweepSpace;
  /** Trials of a random search (default 10), or a cap on a grid's combinations. */
  trials?: number;
  /** The log the trials are ranked by, e.g. "val_loss" (its best epoch counts). */
  objective: string;
  /** "min" or "max"; default "max" for names ending in accuracy, auc or f1, else "min". */
  mode?: "min" | "max";
  /** "grid" (every combination; needs lists and ranges only) or "random"; default grid when it can be. */
  method?: "grid" | "random";
  /** Seed of the random search's draws (default 0). */
  searchSeed?: number;
}

export const SPEC_KEYS = ["sweep", "trials", "objective", "mode", "method", "searchSeed"] as const;

/** The objective's direction: given, else maximized for accuracy/auc/f1, minimized otherwise. */
export function objectiveMode(objective: string, mode?: "min" | "max"): "min" | "max" {
  return mode ?? (/(accuracy|auc|f1)$/i.test(objective) ? "max" : "min");
}

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const shown = (v: unknown): string => (v === undefined ? "undefined" : JSON.stringify(v) ?? String(v));

/** True when a parameter takes one of finitely many values (a list or a range). */
export function isDiscrete(param: SweepParam): boolean {
  return Array.isArray(param) || (typeof param === "object" && "range" in param);
}

/** Checks one sweep definition; `where` names it in messages ("@trainer of MLP", "sweep.json"). */
export function checkSweepSpec(where: string, given: Record<string, unknown>, fail: (message: string) => Error = (m) => new Error(m)): SweepSpec {
  const bad = (what: string) => fail(`${where}: ${what}`);
  for (const key of Object.keys(given)) {
    if (!(SPEC_KEYS as readonly string[]).includes(key)) {
      throw bad(`unknown sweep option '${key}'.${didYouMean(closestName(key, SPEC_KEYS))} Sweep options: ${SPEC_KEYS.join(", ")}.`);
    }
  }
  const space = given.sweep;
  if (space === null || typeof space !== "object" || Array.isArray(space) || Object.keys(space).length === 0) {
    throw bad(`sweep must name at least one parameter, e.g. sweep: { learningRate: { logUniform: [1e-4, 1e-2] }, hidden: [64, 128] }; got ${shown(space)}.`);
  }
  for (const [name, param] of Object.entries(space as Record<string, unknown>)) {
    const form = `sweep.${name} must be a list of values, { logUniform: [lo, hi] }, { uniform: [lo, hi] } or { range: n }`;
    if (Array.isArray(param)) {
      if (param.length === 0) throw bad(`sweep.${name} is an empty list; give it at least one value.`);
      if (!param.every((v) => finite(v) || typeof v === "string" || typeof v === "boolean")) throw bad(`sweep.${name} lists values that are not numbers, strings or booleans: ${shown(param)}.`);
      continue;
    }
    if (param === null || typeof param !== "object" || Object.keys(param).length !== 1) throw bad(`${form}, got ${shown(param)}.`);
    const [kind, bounds] = Object.entries(param)[0];
    if (kind === "range") {
      if (!Number.isInteger(bounds) || (bounds as number) < 1) throw bad(`sweep.${name}: range must be a positive integer (the values 0 … n-1), got ${shown(bounds)}.`);
    } else if (kind === "logUniform" || kind === "uniform") {
      if (!Array.isArray(bounds) || bounds.length !== 2 || !bounds.every(finite) || !(bounds[0] < bounds[1])) {
        throw bad(`sweep.${name}: ${kind} needs [lo, hi] with lo < hi, got ${shown(bounds)}.`);
      }
      if (kind === "logUniform" && bounds[0] <= 0) throw bad(`sweep.${name}: logUniform needs bounds above 0, got ${shown(bounds)}.`);
    } else {
      throw bad(`${form}, got ${shown(param)}.${didYouMean(closestName(kind, ["logUniform", "uniform", "range"]))}`);
    }
  }
  if (typeof given.objective !== "string" || given.objective === "") {
    throw bad(`a sweep needs an objective: the log name that ranks its trials, e.g. objective: "val_loss"; got ${shown(given.objective)}.`);
  }
  if (given.trials !== undefined && !(Number.isInteger(given.trials) && (given.trials as number) > 0)) throw bad(`trials must be a positive integer, got ${shown(given.trials)}.`);
  if (given.mode !== undefined && given.mode !== "min" && given.mode !== "max") throw bad(`mode must be "min" or "max", got ${shown(given.mode)}.`);
  if (given.method !== undefined && given.method !== "grid" && given.method !== "random") throw bad(`method must be "grid" or "random", got ${shown(given.method)}.`);
  if (given.searchSeed !== undefined && !Number.isSafeInteger(given.searchSeed)) throw bad(`searchSeed must be an integer, got ${shown(given.searchSeed)}.`);
  if (given.method === "grid") {
    const continuous = Object.entries(space as SweepSpace).filter(([, p]) => !isDiscrete(p)).map(([n]) => n);
    if (continuous.length) throw bad(`method "grid" needs lists or ranges, but ${continuous.join(", ")} ${continuous.length === 1 ? "is" : "are"} drawn from an interval; use method "random" or list the values.`);
  }
  return given as unknown as SweepSpec;
}

/** The options object a model class's constructor takes (its first parameter). */
type ConstructorOptions<C> = C extends abstract new (...args: any) => any ? NonNullable<ConstructorParameters<C>[0]> : never;

/** Swept names the constructor's options do not name. */
type UnknownSweepNames<S, O> = Exclude<keyof S, keyof O>;

/** Swept names whose values the constructor's options do not accept. */
type MistypedSweepNames<S, O> = { [K in keyof S & keyof O]: SweepValue<S[K]> extends O[K] ? never : K }[keyof S & keyof O];

/**
 * What `@trainer` asks of the class it decorates when it has a sweep: its constructor takes every
 * swept name as an option, with the values' type. On a mismatch the class's type misses the
 * property below, whose name says what is wrong (a compile error at the decorator).
 */
export type SweepTarget<C, S> = {} extends S
  ? unknown
  : [UnknownSweepNames<S, ConstructorOptions<C>>] extends [never]
    ? [MistypedSweepNames<S, ConstructorOptions<C>>] extends [never]
      ? unknown
      : { "sweep values of these names do not fit the constructor's options": MistypedSweepNames<S, ConstructorOptions<C>> }
    : { "sweep names the constructor's options do not take": UnknownSweepNames<S, ConstructorOptions<C>> };
