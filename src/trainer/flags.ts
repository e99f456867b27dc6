// The trainer's command-line flags — the one parser behind `elegy-ts train` and every
// generated `<name>.trainer.js`. Two stages: readTrainerFlags checks the syntax (unknown flags,
// missing values) before the model class is known; resolveTrainerFlags checks the values and
// fills in the defaults, which come from the class's @trainer options (see defaults.ts).
import { parseArgs } from "node:util";
import { BACKEND_NAMES, suggestBackend } from "../backend/select/select";
import { CliError } from "../cli/cli-error";
import { closestName, didYouMean } from "../suggest";

/** The flags as given: strings, not yet validated. */
export interface RawTrainerFlags {
  model?: string;
  epochs?: string;
  batchSize?: string;
  backend?: string;
  outDir?: string;
  verbose?: string;
  seed?: string;
  modelOptions?: string;
  resume: boolean;
  overwrite: boolean;
  help: boolean;
}

/** What a run uses: every flag validated, with its default filled in. */
export interface TrainerFlags {
  model?: string;
  epochs: number;
  batchSize: number;
  backend: string;
  outDir: string;
  verbose: 0 | 1 | 2;
  seed: number;
  /** --model-options: merged over @trainer's modelOptions and passed to the class's constructor (how a sweep's trial gets its values). */
  modelOptions: Record<string, unknown>;
  resume: boolean;
  overwrite: boolean;
}

/** The defaults of one class's trainer, shown in --help; `…From` says where a default came from. */
export interface TrainerDefaults {
  epochs: number;
  batchSize: number;
  backend: string;
  backendFrom?: string;
  outDir: string;
  verbose: 0 | 1 | 2;
  seed: number;
}

const OPTIONS = {
  model: { type: "string" },
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  backend: { type: "string" },
  "out-dir": { type: "string" },
  verbose: { type: "string" },
  seed: { type: "string" },
  "model-options": { type: "string" },
  resume: { type: "boolean" },
  overwrite: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const FLAG_NAMES = Object.keys(OPTIONS);
const VALID_FLAGS = `Valid flags: ${FLAG_NAMES.map((k) => `--${k}`).join(", ")}.`;

export const TRAINER_USAGE =
  "Usage: elegy-ts train <file.ts|file.js> [--model NAME] [--epochs N] [--batch-size N] [--backend auto|cuda|native|wasm|cpu]\n" +
  "                      [--out-dir DIR] [--verbose 0|1|2] [--seed N] [--model-options JSON]\n" +
  "                      [--resume | --overwrite]";

/** The help of a trainer: each flag with its default (the class's `@trainer` values). */
export function trainerHelp(defaults: TrainerDefaults, models: readonly string[], usage = TRAINER_USAGE): string {
  const modelLine = models.length
    ? `the class to train: ${models.join(", ")} (default ${models[0]})`
    : "the @trainer class to train (default: the first one the file exports)";
  return `${usage}

Trains a model class decorated with @trainer({ data, ... }): a progress bar while it fits, then
the evaluation on the test data, and in --out-dir: history.csv, checkpoint/ and report.html.
An --out-dir that already holds a run is refused unless --resume or --overwrite is given.
The last line on stdout is the final test logs as one JSON object. Flags override @trainer.

Options:
  --model NAME        ${modelLine}
  --epochs N          train until epoch N; with --resume, counting the epochs done (default ${defaults.epochs})
  --batch-size N      examples per batch (default ${defaults.batchSize})
  --backend NAME      ${BACKEND_NAMES.join(" | ")} (default ${defaults.backend}${defaults.backendFrom ? `, from ${defaults.backendFrom}` : ""})
  --out-dir DIR       where history.csv, checkpoint/ and report.html go (default ${defaults.outDir})
  --verbose 0|1|2     0 only the JSON line, 1 progress bar, 2 one line per epoch (default ${defaults.verbose})
  --seed N            seed of states.rng (default ${defaults.seed}); not with --resume, which continues the checkpoint's
  --model-options JSON  constructor options over @trainer's modelOptions, e.g. '{"hidden":128}'
  --resume            continue from the checkpoint in --out-dir; the history grows
  --overwrite         replace the run in --out-dir (the old one stays until the new one's first checkpoint)
  -h, --help          show this help`;
}

/** `Unknown flag '--epoch'. Did you mean '--epochs'? Valid flags: …` and the like, from parseArgs' errors. */
function syntaxError(error: Error): CliError {
  const message = error.message;
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
  if (unknown) {
    const suggestion = closestName(unknown.replace(/^-+/, "").split("=")[0], FLAG_NAMES);
    return new CliError(`Unknown flag '${unknown}'.${didYouMean(suggestion, "--")} ${VALID_FLAGS}`);
  }
  const missing = /Option '(?:-\w, )?--([\w-]+) <value>' argument missing/.exec(message)?.[1];
  if (missing) return new CliError(`--${missing} needs a value, e.g. --${missing} ${missing === "backend" ? "wasm" : missing === "out-dir" ? "runs/x" : missing === "model" ? "ClassName" : "1"}.`);
  const valueOnBoolean = /Option '--([\w-]+)' does not take an argument/.exec(message)?.[1];
  if (valueOnBoolean) return new CliError(`--${valueOnBoolean} takes no value: write --${valueOnBoolean} alone.`);
  const positional = /Unexpected argument '([^']*)'/.exec(message)?.[1];
  if (positional !== undefined) return new CliError(`Unexpected argument '${positional}': the trainer takes only flags. ${VALID_FLAGS}`);
  return new CliError(`${message} ${VALID_FLAGS}`);
}

/** The flags' syntax: unknown flags, missing values and stray arguments are refused here. */
export function readTrainerFlags(argv: readonly string[]): RawTrainerFlags {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (error) {
    throw syntaxError(error as Error);
  }
  return {
    model: values.model,
    epochs: values.epochs,
    batchSize: values["batch-size"],
    backend: values.backend,
    outDir: values["out-dir"],
    verbose: values.verbose,
    seed: values.seed,
    modelOptions: values["model-options"],
    resume: values.resume ?? false,
    overwrite: values.overwrite ?? false,
    help: values.help ?? false,
  };
}

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n <= 0) throw new CliError(`--${flag} must be a positive integer, got '${value}'.`);
  return n;
}

/** Each value checked, each default filled in. */
export function resolveTrainerFlags(raw: RawTrainerFlags, defaults: TrainerDefaults): TrainerFlags {
  const backend = raw.backend ?? defaults.backend;
  if (!(BACKEND_NAMES as readonly string[]).includes(backend)) {
    const suggestion = suggestBackend(backend);
    const from = raw.backend !== undefined ? "--backend" : defaults.backendFrom ?? "the backend";
    throw new CliError(`${from} must be one of ${BACKEND_NAMES.join(", ")}, got '${backend}'.${didYouMean(suggestion)}`);
  }
  let verbose = defaults.verbose;
  if (raw.verbose !== undefined) {
    if (raw.verbose !== "0" && raw.verbose !== "1" && raw.verbose !== "2") throw new CliError(`--verbose must be 0, 1 or 2, got '${raw.verbose}'.`);
    verbose = Number(raw.verbose) as 0 | 1 | 2;
  }
  let seed = defaults.seed;
  if (raw.seed !== undefined) {
    seed = Number(raw.seed);
    if (raw.seed.trim() === "" || !Number.isSafeInteger(seed)) throw new CliError(`--seed must be an integer, got '${raw.seed}'.`);
  }
  // Refused rather than ignored or obeyed: a resumed run continues the checkpoint's states.rng, so its
  // remaining epochs are those of the uninterrupted run (bit for bit). A new seed could only break that,
  // and silently ignoring it let the banner claim a seed the run never used. Someone who wants another
  // seed wants a new run.
  if (raw.resume && raw.seed !== undefined) {
    throw new CliError(
      `--seed cannot be given with --resume: a resumed run continues from its checkpoint's random state (states.rng), ` +
        `so it trains exactly as the run would have without the stop, whatever the seed. Drop --seed ${raw.seed} to continue the run, ` +
        `or start a new one with --seed ${raw.seed} (--overwrite, or another --out-dir).`,
    );
  }
  if (raw.outDir !== undefined && raw.outDir.trim() === "") throw new CliError("--out-dir must name a folder, got ''.");
  let modelOptions: Record<string, unknown> = {};
  if (raw.modelOptions !== undefined) {
    const notAnObject = () => new CliError(`--model-options must be a JSON object, e.g. '{"hidden":128}', got '${raw.modelOptions}'.`);
    try {
      modelOptions = JSON.parse(raw.modelOptions) as Record<string, unknown>;
    } catch {
      throw notAnObject();
    }
    if (modelOptions === null || typeof modelOptions !== "object" || Array.isArray(modelOptions)) throw notAnObject();
  }
  return {
    model: raw.model,
    epochs: positiveInteger("epochs", raw.epochs, defaults.epochs),
    batchSize: positiveInteger("batch-size", raw.batchSize, defaults.batchSize),
    backend,
    outDir: raw.outDir ?? defaults.outDir,
    verbose,
    seed,
    modelOptions,
    resume: raw.resume,
    overwrite: raw.overwrite,
  };
}
