// The generated trainer's command-line flags: parsed with node:util.parseArgs, validated,
// each with its default shown in --help.
import { parseArgs } from "node:util";
import { BACKEND_NAMES } from "../backend/select";
import { closestName } from "../suggest";
import { CliError } from "../cli/cli-error";

export interface TrainerFlags {
  model?: string;
  epochs: number;
  batchSize: number;
  backend: string;
  outDir: string;
  verbose: 0 | 1 | 2;
  seed?: number;
  resume: boolean;
  help: boolean;
}

export interface FlagDefaults {
  epochs: number;
  batchSize: number;
  outDir: string;
}

const OPTIONS = {
  model: { type: "string" },
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  backend: { type: "string" },
  "out-dir": { type: "string" },
  verbose: { type: "string" },
  seed: { type: "string" },
  resume: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export function trainerHelp(defaults: FlagDefaults, models: readonly string[]): string {
  return `Usage: elegy-ts train <file.ts|file.js> [options]

Trains a model class decorated with @trainer: progress bar, fit, evaluation on the test data,
and in --out-dir: history.csv, checkpoint/, report.html. The last stdout line is the final
test logs as one JSON object.

Options:
  --model NAME        the class to train${models.length ? ` (${models.join(", ")}; default ${models[0]})` : ""}
  --epochs N          epochs to train (default ${defaults.epochs})
  --batch-size N      examples per batch (default ${defaults.batchSize})
  --backend NAME      ${BACKEND_NAMES.join(" | ")} (default auto, or ELEGY_BACKEND)
  --out-dir DIR       where history.csv, the checkpoint and the report go (default ${defaults.outDir})
  --verbose 0|1|2     0 silent, 1 progress bar, 2 one line per epoch (default 1)
  --seed N            seed of states.rng (default 42)
  --resume            continue from the checkpoint in --out-dir
  -h, --help          this help`;
}

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`--${flag} must be a positive integer, got '${value}'.`);
  return n;
}

export function parseTrainerFlags(argv: string[], defaults: FlagDefaults): TrainerFlags {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '(--?[^']+)'/.exec(message)?.[1];
    const valid = Object.keys(OPTIONS).map((k) => `--${k}`);
    const suggestion = unknown ? closestName(unknown.replace(/^-+/, ""), Object.keys(OPTIONS)) : undefined;
    throw new CliError(
      `${unknown ? `Unknown flag '${unknown}'.` : message}${suggestion ? ` Did you mean '--${suggestion}'?` : ""} Valid flags: ${valid.join(", ")}.`,
    );
  }
  const v = parsed.values;
  const backend = v.backend ?? process.env.ELEGY_BACKEND ?? "auto";
  if (!(BACKEND_NAMES as readonly string[]).includes(backend)) {
    throw new CliError(`--backend must be one of ${BACKEND_NAMES.join(", ")}, got '${backend}'.`);
  }
  const verbose = v.verbose === undefined ? 1 : Number(v.verbose);
  if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new CliError(`--verbose must be 0, 1 or 2, got '${v.verbose}'.`);
  let seed: number | undefined;
  if (v.seed !== undefined) {
    seed = Number(v.seed);
    if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got '${v.seed}'.`);
  }
  return {
    model: v.model,
    epochs: positiveInteger("epochs", v.epochs, defaults.epochs),
    batchSize: positiveInteger("batch-size", v["batch-size"], defaults.batchSize),
    backend,
    outDir: v["out-dir"] ?? defaults.outDir,
    verbose,
    seed,
    resume: v.resume ?? false,
    help: v.help ?? false,
  };
}
