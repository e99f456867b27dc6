// `elegy-ts sweep <file.ts> [--config sweep.json] [--trials N] [--workers N] [--out-dir DIR]
// [--queue redis://host:port/name] [--best]`: runs a hyperparameter sweep's trials, each an
// ordinary `elegy-ts train` run in its own folder, locally or through a BullMQ queue.
import * as os from "node:os";
import * as path from "node:path";
import { CliError } from "./cli-error";
import { positiveIntegerFlag } from "./flag-values";
import { CliIO } from "./io";
import { parseCommandFlags } from "./parse-flags";
import { displayPath } from "../display-path";

export const SWEEP_HELP = `Usage: elegy-ts sweep <file.ts> [--model NAME] [--config sweep.json] [--trials N] [--workers N]
                      [--out-dir DIR] [--queue redis://host:port/name] [--epochs N] [--batch-size N]
                      [--backend NAME] [--best]

Runs the trials of the sweep in a model's @trainer({ sweep, trials, objective }) or in --config.
Each trial is an elegy-ts train run of that class with the trial's values as constructor options,
in its own folder under --out-dir, which also gets trials.csv, trials.json and report.html.
Run it again with the same definition to resume (finished trials are kept), or with a larger --trials
to add trials to it.

Options:
  --model NAME        the @trainer class (default: the first one the file exports)
  --config FILE       a JSON file { "sweep": { … }, "trials": N, "objective": "val_loss", "mode", "method", "searchSeed" }
                      whose keys replace @trainer's
  --trials N          how many trials (a random search's draws, or the first N of a grid)
  --workers N         trials at once on this machine, one compute thread each (default ${os.availableParallelism()}, the cores here)
  --out-dir DIR       the sweep's folder (default runs/<ClassName>-sweep)
  --queue URL         redis://host:port/name: put the trials on a BullMQ queue for elegy-ts worker processes
                      (on any machine) and collect their results here
  --epochs N, --batch-size N, --backend NAME
                      passed to every trial's elegy-ts train
  --best              print the best finished trial's folder and exit
  -h, --help          show this help`;

const OPTIONS = {
  model: { type: "string" },
  config: { type: "string" },
  trials: { type: "string" },
  workers: { type: "string" },
  "out-dir": { type: "string" },
  queue: { type: "string" },
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  backend: { type: "string" },
  best: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const positive = (flag: string, value: string | undefined) => positiveIntegerFlag("sweep", flag, value);

export function parseSweepArgs(argv: readonly string[]) {
  const { values, positionals } = parseCommandFlags("sweep", argv, OPTIONS);
  if (values.help) return { help: true as const };
  if (positionals.length !== 1) throw new CliError(`elegy-ts sweep takes one model file, got ${positionals.length === 0 ? "none" : positionals.join(", ")}.\n${SWEEP_HELP.split("\n\n")[0]}`);
  const flags: string[] = [];
  for (const name of ["epochs", "batch-size", "backend"] as const) if (values[name] !== undefined) flags.push(`--${name}`, values[name]!);
  return {
    help: false as const,
    file: positionals[0],
    model: values.model,
    config: values.config,
    trials: positive("trials", values.trials),
    workers: positive("workers", values.workers),
    outDir: values["out-dir"],
    queue: values.queue,
    best: values.best ?? false,
    flags,
  };
}

export async function sweepCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const args = parseSweepArgs(argv);
  if (args.help) {
    io.out(SWEEP_HELP);
    return 0;
  }
  // Loaded here: --help needs neither the compiler nor tfjs.
  const { runSweep, bestTrialDir } = require("../sweep/run-sweep") as typeof import("../sweep/run-sweep");
  if (args.best) {
    io.out(displayPath(bestTrialDir(args)));
    return 0;
  }
  return runSweep({ ...args, outDir: args.outDir && path.resolve(args.outDir) }, io);
}
