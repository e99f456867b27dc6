// The options of @trainer (docs/trainer-and-cli.md): their types, their check when the decorator runs, and
// the trainer defaults they give (shown by --help, overridden by flags).
import type { tf } from "../tf";
import type { Callback } from "../callbacks/callback";
import type { History } from "../callbacks/history";
import type { Model } from "../model/model";
import type { ModelOptions } from "../model/options";
import type { TensorTree } from "../tree";
import type { SampleWeightInput } from "../loop/batches";
import { BACKEND_NAMES, type BackendName } from "../backend/select/names";
import { ElegyDefinitionError } from "../errors";
import { closestName, didYouMean } from "../suggest";
import { TRAINER_CODES, TRAINER_MESSAGES } from "./messages";
import { TrainerDefaults } from "./flags";
import { SPEC_KEYS, checkSweepSpec, type SweepSpace } from "../sweep/spec";

/** One split: tensors (`{ x, y?, sampleWeight? }`), or a dataset of `{ x, y?, sampleWeight? }` batches. */
export type TrainerSplit =
  | { x: TensorTree; y?: TensorTree; sampleWeight?: SampleWeightInput }
  | tf.data.Dataset<tf.TensorContainer>
  | Iterable<unknown>
  | AsyncIterable<unknown>;

/** What `data` gives: the training split, and optionally validation (each epoch) and test (at the end). */
export interface TrainerData {
  train: TrainerSplit;
  validation?: TrainerSplit;
  test?: TrainerSplit;
}

/** What `afterTraining` is told about the finished run. */
export interface TrainerRun {
  /** The --out-dir folder (absolute), holding history.csv, checkpoint/ and report.html. */
  outDir: string;
  /** The final logs: the test evaluation, or the last epoch's logs without test data. */
  logs: Record<string, number>;
  history: History;
  /** Prints a line to stdout (before the final JSON line), unless --verbose 0. */
  log(line: string): void;
}

export interface TrainerOptions<M extends Model = Model> {
  /** The data, or a function (async or not) returning it; called once per run, after the backend is loaded. */
  data: TrainerData | (() => TrainerData | Promise<TrainerData>);
  /** Epochs to train (default 1). `--epochs` overrides it. */
  epochs?: number;
  /** Examples per batch (default 32). `--batch-size` overrides it. */
  batchSize?: number;
  /** 0 silent, 1 progress bar, 2 a line per epoch (default 1). `--verbose` overrides it. */
  verbose?: 0 | 1 | 2;
  /** Seed of states.rng (default modelOptions.seed, else 42). `--seed` overrides it. */
  seed?: number;
  /** The backend (default "auto"; ELEGY_BACKEND and `--backend` override it). */
  backend?: BackendName;
  /** Where history.csv, checkpoint/ and report.html go (default runs/<ClassName>). `--out-dir` overrides it. */
  outDir?: string;
  /** Callbacks of your own, run before the trainer's CSV logger and checkpoint. */
  callbacks?: Callback[];
  /** Passed to the class's constructor (with backend and seed from the flags), e.g. { optimizer }. */
  modelOptions?: ModelOptions;
  /** Runs after training and the test evaluation, e.g. to write samples into run.outDir. */
  afterTraining?: (model: M, run: TrainerRun) => void | Promise<void>;
  /**
   * A hyperparameter sweep for `elegy-ts sweep`: parameter name → a list of values,
   * `{ logUniform: [lo, hi] }`, `{ uniform: [lo, hi] }` or `{ range: n }`. Each trial passes its
   * values to the class's constructor as options (over modelOptions); a swept `seed` is the run's seed.
   */
  sweep?: SweepSpace;
  /** Trials of a random search (default 10), or a cap on a grid's combinations. */
  trials?: number;
  /** The log that ranks the trials, e.g. "val_loss" (each trial's best epoch counts). */
  objective?: string;
  /** The objective's direction; default "max" for names ending in accuracy, auc or f1, else "min". */
  mode?: "min" | "max";
  /** "grid" (every combination) or "random"; default grid when every parameter is a list or a range. */
  method?: "grid" | "random";
  /** Seed of the random search's draws (default 0). */
  searchSeed?: number;
}

const OPTION_NAMES = ["data", "epochs", "batchSize", "verbose", "seed", "backend", "outDir", "callbacks", "modelOptions", "afterTraining", ...SPEC_KEYS] as const;

/** Checks `@trainer`'s options when the decorator runs (a plain-JS or untransformed build gets the same checks as `elegy-ts build`). */
export function checkTrainerOptions(cls: string, options: unknown): void {
  if (options === null || typeof options !== "object" || (options as { data?: unknown }).data === undefined) {
    throw new ElegyDefinitionError(TRAINER_MESSAGES.withoutData(cls), { code: TRAINER_CODES.trainerWithoutData });
  }
  const given = options as Record<string, unknown>;
  const shown = (value: unknown) => (typeof value === "string" ? `'${value}'` : Array.isArray(value) ? "an array" : String(value));
  const bad = (key: string, what: string, value: unknown) => new ElegyDefinitionError(`@trainer of ${cls}: ${key} must be ${what}, got ${shown(value)}.`);
  for (const key of Object.keys(given)) {
    if ((OPTION_NAMES as readonly string[]).includes(key)) continue;
    const suggestion = closestName(key, OPTION_NAMES);
    throw new ElegyDefinitionError(
      `@trainer of ${cls} has an unknown option '${key}'.${didYouMean(suggestion)} Options: ${OPTION_NAMES.join(", ")}.`,
    );
  }
  const positive = (key: "epochs" | "batchSize") => {
    const v = given[key];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) > 0)) throw bad(key, "a positive integer", v);
  };
  positive("epochs");
  positive("batchSize");
  if (given.verbose !== undefined && ![0, 1, 2].includes(given.verbose as number)) throw bad("verbose", "0, 1 or 2", given.verbose);
  if (given.seed !== undefined && !Number.isSafeInteger(given.seed)) throw bad("seed", "an integer", given.seed);
  if (given.backend !== undefined && !(BACKEND_NAMES as readonly unknown[]).includes(given.backend)) throw bad("backend", `one of ${BACKEND_NAMES.join(", ")}`, given.backend);
  if (given.outDir !== undefined && (typeof given.outDir !== "string" || given.outDir === "")) throw bad("outDir", "a folder name", given.outDir);
  if (given.callbacks !== undefined && !Array.isArray(given.callbacks)) throw bad("callbacks", "an array of callbacks", given.callbacks);
  if (given.modelOptions !== undefined && (given.modelOptions === null || typeof given.modelOptions !== "object")) throw bad("modelOptions", "an object", given.modelOptions);
  if (given.afterTraining !== undefined && typeof given.afterTraining !== "function") throw bad("afterTraining", "a function", given.afterTraining);
  const sweepKeys = SPEC_KEYS.filter((key) => given[key] !== undefined);
  if (sweepKeys.length > 0) {
    if (given.sweep === undefined) {
      throw new ElegyDefinitionError(`@trainer of ${cls}: ${sweepKeys.join(", ")} ${sweepKeys.length === 1 ? "belongs" : "belong"} to a sweep, which needs sweep: { name: values, … } too.`);
    }
    checkSweepSpec(`@trainer of ${cls}`, Object.fromEntries(sweepKeys.map((key) => [key, given[key]])), (message) => new ElegyDefinitionError(message));
  }
}

/** The trainer's defaults for a class: its `@trainer` values, else the built-in ones; ELEGY_BACKEND beats the decorator's backend. */
export function trainerDefaults(cls: string, options: Partial<TrainerOptions> = {}, env: NodeJS.ProcessEnv = process.env): TrainerDefaults {
  const fromEnv = env.ELEGY_BACKEND !== undefined && env.ELEGY_BACKEND !== "";
  return {
    epochs: options.epochs ?? 1,
    batchSize: options.batchSize ?? 32,
    backend: fromEnv ? env.ELEGY_BACKEND! : options.backend ?? "auto",
    backendFrom: fromEnv ? "ELEGY_BACKEND" : options.backend !== undefined ? "@trainer" : undefined,
    outDir: options.outDir ?? `runs/${cls}` /* not node:path: @trainer also runs in a page */,
    verbose: options.verbose ?? 1,
    seed: options.seed ?? options.modelOptions?.seed ?? 42,
  };
}
