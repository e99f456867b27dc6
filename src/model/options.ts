// Option objects of the Model's public methods, each typed together with the list of its keys
// (the compiler holds the two in step), and their validation: an unknown key is an error
// naming the closest valid one (a typo must not silently train with defaults).
import type { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { closestName } from "../suggest";
import { checkOptionKeys } from "../options-check";

export { checkOptionKeys };
import type { Module, Optimizer } from "../contracts";
import type { Callback } from "../callbacks/callback";
import type { CallbackHooks } from "../callbacks/plain-hooks";
import type { SampleWeightInput } from "../loop/batches";
import type { ClassWeightInput } from "../loop/class-weight";
import type { DataSplit } from "../loop/sources";
import type { makeLossAggregate } from "../losses/aggregate";
import type { makeMetricAggregate } from "../metrics/aggregate";
import type { States } from "../states";

export type LossOption = Parameters<typeof makeLossAggregate>[0];
export type MetricsOption = Parameters<typeof makeMetricAggregate>[0];

export interface ModelOptions {
  /** The network: its params live in states.netParams. Serves the default predStep. */
  module?: Module;
  /** One loss, a list, or named losses; summed by the default testStep. */
  loss?: LossOption;
  /** One metric, a list, or named metrics, for the default testStep's logs. */
  metrics?: MetricsOption;
  /** Serves the default trainStep; its state lives in states.optimizerStates. */
  optimizer?: Optimizer;
  /** Seed of states.rng (default 42). */
  seed?: number;
  /** "auto" (default; or the ELEGY_BACKEND environment variable), "cuda", "native", "wasm" or "cpu". */
  backend?: string;
  /**
   * Whether steps run through tfjs's engine op by op (true) or may be replayed from their
   * recorded kernels (see docs/performance.md, "Replayed steps"). By default the built-in
   * chain is replayed and steps you write (@trainStep, @gradStep, @testStep, @predStep) run
   * eagerly; `false` replays yours too, for speed. A replay sees a changed field of the model
   * (`this.scale`) at the next call, other JavaScript values (closures, module-level numbers,
   * fields inside fields) only at the next epoch, evaluate or predict.
   */
  runEagerly?: boolean;
}

/** Validation data: `[x, y]`, `[x, y, sampleWeight]`, `{ x, y, sampleWeight }`, or a dataset of batches. */
export type ValidationData = DataSplit;

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /** 0 silent, 1 progress bar (plain lines when stdout is not a terminal), 2 one line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Callbacks, or plain objects of hooks as tfjs-layers takes them (`{ onEpochEnd(epoch, logs) { … } }`). */
  callbacks?: (Callback | CallbackHooks)[];
  validationSplit?: number;
  validationData?: ValidationData;
  /** Validate every N epochs (default 1). */
  validationFreq?: number;
  shuffle?: boolean;
  classWeight?: ClassWeightInput;
  sampleWeight?: SampleWeightInput;
  initialEpoch?: number;
  stepsPerEpoch?: number;
  /** A checkpoint folder to continue from: its states are loaded and training resumes at its epoch. */
  resume?: string;
  /**
   * Data-parallel training on this many threads (default 1): each batch is split across worker
   * threads that each run the gradient step on their rows; gradients are averaged, then the
   * optimizer runs once on the main thread. See "Using both cores" in the README.
   */
  replicas?: number;
  /**
   * Stops the fit at the end of the current batch once aborted (how `elegy-ts train` handles
   * Ctrl-C). An epoch cut short is not counted: no validation and no onEpochEnd for it, and
   * `model.epoch` stays at the epochs completed, so a checkpoint saved then resumes at that epoch.
   */
  signal?: AbortSignal;
}

export interface EvaluateOptions {
  batchSize?: number;
  sampleWeight?: SampleWeightInput;
  verbose?: 0 | 1 | 2;
  /** Callbacks, or plain objects of hooks as tfjs-layers takes them (`{ onEpochEnd(epoch, logs) { … } }`). */
  callbacks?: (Callback | CallbackHooks)[];
}

export interface PredictOptions {
  batchSize?: number;
  verbose?: 0 | 1 | 2;
  /** Callbacks, or plain objects of hooks as tfjs-layers takes them (`{ onEpochEnd(epoch, logs) { … } }`). */
  callbacks?: (Callback | CallbackHooks)[];
}

export interface InitOptions {
  batchSize?: number;
  sampleWeight?: SampleWeightInput;
  classWeight?: ClassWeightInput;
}

export interface OnBatchOptions {
  sampleWeight?: tf.Tensor;
  classWeight?: ClassWeightInput;
  /** Zero the metric and loss states first, so the logs are this batch's alone (default true, as Keras). */
  resetMetrics?: boolean;
}

export interface TestOnBatchOptions {
  sampleWeight?: tf.Tensor;
  /** Zero the metric and loss states first, so the logs are this batch's alone (default true, as Keras). */
  resetMetrics?: boolean;
}

export interface ApplyOptions {
  /** The `training` flag the prediction chain sees (default false). */
  training?: boolean;
  /** The States to predict with (default: the model's own). */
  states?: States;
}

/**
 * `Model.load`'s options: the model's, the load options, and — for a subclass — whatever its own
 * constructor takes, which no list here knows. So for a subclass a key that is none of the known
 * ones goes to its constructor, unless it is a near miss of a load option: the constructor would
 * never see that one, and the load would silently go without it (`allowOtherclass`). A near miss
 * of a model option reaches Model's constructor, which refuses it the same way. `Model.load`
 * itself (no constructor of its own) takes the known keys only.
 */
export function checkLoadOptionKeys(method: string, options: object | undefined, known: readonly string[], loadOptions: readonly string[], subclass: boolean): void {
  if (!subclass || options === undefined || options === null || typeof options !== "object") {
    checkOptionKeys(method, options, known);
    return;
  }
  const nearMiss = Object.keys(options).find((key) => !known.includes(key) && closestName(key, loadOptions) !== undefined);
  if (nearMiss !== undefined) checkOptionKeys(method, { [nearMiss]: true }, known); // refused, in checkOptionKeys' words
}

/** A value as the user wrote it: strings quoted, NaN and Infinity as such. */
function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export function checkPositiveInteger(method: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new ElegyInputError(`${method}(): ${name} must be a positive integer, got ${shown(value)}.`);
  }
  return value;
}

export function checkNonNegativeInteger(method: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new ElegyInputError(`${method}(): ${name} must be a non-negative integer, got ${shown(value)}.`);
  }
  return value;
}

export function checkBoolean(method: string, name: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new ElegyInputError(`${method}(): ${name} must be true or false, got ${shown(value)}.`);
  return value;
}

export function checkVerbose(method: string, value: unknown): 0 | 1 | 2 {
  if (value !== 0 && value !== 1 && value !== 2) {
    throw new ElegyInputError(`${method}(): verbose must be 0 (silent), 1 (progress bar) or 2 (one line per epoch), got ${shown(value)}.`);
  }
  return value;
}

// The keys each method accepts. `satisfies` refuses a key the interface lacks; the check below
// refuses an interface key missing from its list.
export const MODEL_OPTIONS = ["module", "loss", "metrics", "optimizer", "seed", "backend", "runEagerly"] as const satisfies readonly (keyof ModelOptions)[];
export const FIT_OPTIONS = [
  "epochs", "batchSize", "verbose", "callbacks", "validationSplit", "validationData", "validationFreq",
  "shuffle", "classWeight", "sampleWeight", "initialEpoch", "stepsPerEpoch", "resume", "replicas", "signal",
] as const satisfies readonly (keyof FitOptions)[];
export const EVALUATE_OPTIONS = ["batchSize", "sampleWeight", "verbose", "callbacks"] as const satisfies readonly (keyof EvaluateOptions)[];
export const PREDICT_OPTIONS = ["batchSize", "verbose", "callbacks"] as const satisfies readonly (keyof PredictOptions)[];
export const INIT_OPTIONS = ["batchSize", "sampleWeight", "classWeight"] as const satisfies readonly (keyof InitOptions)[];
export const ON_BATCH_OPTIONS = ["sampleWeight", "classWeight", "resetMetrics"] as const satisfies readonly (keyof OnBatchOptions)[];
export const TEST_ON_BATCH_OPTIONS = ["sampleWeight", "resetMetrics"] as const satisfies readonly (keyof TestOnBatchOptions)[];
export const APPLY_OPTIONS = ["training", "states"] as const satisfies readonly (keyof ApplyOptions)[];

/** "complete" when `List` names every key of `T`; otherwise the keys it misses (and the assignment below fails, naming them). */
type Completeness<T, List extends readonly PropertyKey[]> =
  [Exclude<keyof T, List[number]>] extends [never] ? "complete" : { unlisted: Exclude<keyof T, List[number]> };

const optionListsComplete: [
  Completeness<ModelOptions, typeof MODEL_OPTIONS>,
  Completeness<FitOptions, typeof FIT_OPTIONS>,
  Completeness<EvaluateOptions, typeof EVALUATE_OPTIONS>,
  Completeness<PredictOptions, typeof PREDICT_OPTIONS>,
  Completeness<InitOptions, typeof INIT_OPTIONS>,
  Completeness<OnBatchOptions, typeof ON_BATCH_OPTIONS>,
  Completeness<TestOnBatchOptions, typeof TEST_ON_BATCH_OPTIONS>,
  Completeness<ApplyOptions, typeof APPLY_OPTIONS>,
] = ["complete", "complete", "complete", "complete", "complete", "complete", "complete", "complete"];
