// What a generated trainer runs: pick the @trainer class, parse the flags, load the backend and
// the data, fit with the progress bar, evaluate on `test`, leave history.csv, a checkpoint and
// report.html in --out-dir, and print the final logs as JSON on the last stdout line.
import * as fs from "node:fs";
import * as path from "node:path";
import "reflect-metadata";
import { METADATA } from "../metadata-keys";
import { ensureBackend } from "../backend";
import { CliError } from "../cli/cli-error";
import { ElegyDefinitionError } from "../errors";
import { displayPath } from "../display-path";
import { Model } from "../model/model";
import type { ModelOptions, ValidationData } from "../model/options";
import { Callback } from "../callbacks/callback";
import { formatLogs } from "../callbacks/progress-bar";
import { hasCheckpoint } from "../io/checkpoint";
import { writeReport } from "../report/html-report";
import { closestName, didYouMean } from "../suggest";
import { TrainerFlags, readTrainerFlags, resolveTrainerFlags, trainerHelp } from "./flags";
import { readHistoryCsv, truncateHistoryCsv } from "./history-file";
import { TRAINER_CODES, TRAINER_MESSAGES } from "./messages";
import { RunFolder, openRunFolder } from "./run-folder";
import { RunFiles } from "./run-files";
import { TrainerData, TrainerOptions, trainerDefaults } from "./options";
import { isBatchDataset, splitArguments } from "../loop/sources";
import { Interrupt } from "./interrupt";
import { finishStoppedRun, quitAtOnce } from "./stopped-run";

type ModelClass = (new (options?: ModelOptions) => Model) & { name: string };

/** The exported classes of a module that carry their own `@trainer` options, by class name. */
export function trainerClasses(exports: Record<string, unknown>): Map<string, ModelClass> {
  const found = new Map<string, ModelClass>();
  for (const value of Object.values(exports)) {
    if (typeof value !== "function" || !Reflect.hasOwnMetadata(METADATA.trainer, value)) continue;
    if (!(value.prototype instanceof Model)) {
      throw new ElegyDefinitionError(TRAINER_MESSAGES.notAModel(value.name), { code: TRAINER_CODES.trainerNotAModel });
    }
    found.set(value.name, value as ModelClass);
  }
  return found;
}

function trainerOptions(cls: ModelClass): TrainerOptions {
  return Reflect.getOwnMetadata(METADATA.trainer, cls) as TrainerOptions;
}

/** fit/evaluate arguments for a split: `{ x, y }` tensors, or a dataset of batches as it is. */
async function loadData(cls: ModelClass, options: TrainerOptions): Promise<TrainerData> {
  const source = options.data;
  const data = (typeof source === "function" ? await source() : source) as TrainerData | undefined;
  const bad = (what: string) => new CliError(`@trainer({ data }) of ${cls.name} must give { train, validation?, test? }, each { x, y? } or a dataset of batches; ${what}.`);
  if (data === null || typeof data !== "object") throw bad(`it gave ${data === null ? "null" : typeof data}`);
  if (data.train === undefined) throw bad(`it gave ${Object.keys(data).length ? `{ ${Object.keys(data).join(", ")} }` : "{}"}, without train`);
  for (const name of ["train", "validation", "test"] as const) {
    const split = data[name];
    if (split !== undefined && !isBatchDataset(split) && (split === null || typeof split !== "object" || (split as { x?: unknown }).x === undefined)) {
      throw bad(`its ${name} has no x`);
    }
  }
  return data;
}

/** Runs the trainer with command-line flags; resolves to the exit code. `out` receives stdout lines. */
export async function runTrainer(
  exports: Record<string, unknown>,
  argv: readonly string[],
  source: string,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<number> {
  const raw = readTrainerFlags(argv);
  const classes = trainerClasses(exports);
  const names = [...classes.keys()];
  if (names.length === 0) throw new CliError(`${source} exports no model class decorated with @trainer({ data, … }). Decorate one and export it.`);
  const name = raw.model ?? names[0];
  const cls = classes.get(name);
  if (!cls) {
    const suggestion = closestName(name, names);
    throw new CliError(`${source} has no @trainer class '${name}'.${didYouMean(suggestion)} Choose --model ${names.join(" | ")}.`);
  }
  const options = trainerOptions(cls);
  const defaults = trainerDefaults(cls.name, options);
  if (raw.help) {
    out(trainerHelp(defaults, names, `Usage: elegy-ts train ${source} [options]`));
    return 0;
  }
  const flags = resolveTrainerFlags(raw, defaults);
  const say = (line: string): void => {
    if (flags.verbose > 0) out(line);
  };

  const outDir = path.resolve(flags.outDir);
  const folder = openRunFolder(outDir, flags, say);
  // Ctrl-C and SIGTERM from here on: a clean stop that saves the run, or a quit that says what is saved.
  const err = (line: string): void => void process.stderr.write(`${line}\n`);
  const interrupt = new Interrupt((signal, phase, second) => quitAtOnce(signal, phase, second, { folder, argv, err }), err);
  interrupt.listen();
  try {
    // The backend line (which one and why) when a backend was asked for or the output is verbose:
    // --verbose 0 prints only the JSON line.
    const announceBackend = flags.verbose > 0 || raw.backend !== undefined || defaults.backendFrom !== undefined;
    const batchSizeFrom = raw.batchSize !== undefined ? "--batch-size" : options.batchSize !== undefined ? "@trainer({ batchSize })" : undefined;
    return await trainInFolder({ cls, options, flags, batchSizeFrom, announceBackend, source, outDir, folder, interrupt, argv, say, out, err });
  } finally {
    interrupt.close();
    folder.release();
  }
}

interface FolderRun {
  cls: ModelClass;
  options: TrainerOptions;
  flags: TrainerFlags;
  /** Where a batch size was asked for, if one was (not the default). */
  batchSizeFrom: string | undefined;
  /** Whether to print the backend choice line. */
  announceBackend: boolean;
  source: string;
  outDir: string;
  folder: RunFolder;
  interrupt: Interrupt;
  /** The trainer's flags as given (the command that resumes a stopped run repeats them). */
  argv: readonly string[];
  /** Lines shown when verbose; `out`, every stdout line (the JSON one too); `err`, stderr. */
  say: (line: string) => void;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The run itself, in the out-dir this process holds. */
async function trainInFolder({ cls, options, flags, batchSizeFrom, announceBackend, source, outDir, folder, interrupt, argv, say, out, err }: FolderRun): Promise<number> {
  const checkpoint = path.join(outDir, "checkpoint");
  const historyFile = path.join(outDir, "history.csv");
  const reportFile = path.join(outDir, "report.html");
  if (flags.resume && !hasCheckpoint(checkpoint)) {
    throw new CliError(`--resume: there is no checkpoint in ${displayPath(checkpoint)} to continue from. Train once without --resume first (or give the --out-dir of that run).`);
  }

  const backend = await ensureBackend(flags.backend, announceBackend ? {} : { log: () => undefined });
  const model = new cls({ ...options.modelOptions, ...flags.modelOptions, backend: flags.backend, seed: flags.seed });
  let initialEpoch = 0;
  if (flags.resume) {
    await model.loadWeights(checkpoint);
    initialEpoch = model.epoch;
    if (initialEpoch >= flags.epochs) {
      throw new CliError(
        `--resume: the checkpoint in ${displayPath(checkpoint)} has ${initialEpoch} epoch(s) done and --epochs is ${flags.epochs}, so there is nothing to train. ` +
          `--epochs counts from the first epoch: give --epochs ${initialEpoch + 1} or more.`,
      );
    }
    truncateHistoryCsv(historyFile, initialEpoch);
  }
  const data = await loadData(cls, options);
  // A dataset yields its own batches: the batch size applies to the splits given as tensors only.
  const given = (["train", "validation", "test"] as const).filter((name) => data[name] !== undefined);
  if (batchSizeFrom !== undefined && given.every((name) => isBatchDataset(data[name]))) {
    throw new CliError(
      `${batchSizeFrom} is ${flags.batchSize}, but the data of ${cls.name} (${given.join(", ")}) ${given.length === 1 ? "is a dataset" : "are datasets"} ` +
        `that yield their own batches, so it would be ignored. Batch the datasets themselves in @trainer({ data }), or leave ${batchSizeFrom} out.`,
    );
  }
  const trainBatches = isBatchDataset(data.train) ? "batches from the dataset" : `batch size ${flags.batchSize}`;
  fs.mkdirSync(folder.dir(), { recursive: true });
  say(
    `${flags.resume ? "Resuming" : "Training"} ${cls.name} (${source}): epochs ${initialEpoch + 1}-${flags.epochs} of ${flags.epochs}, ` +
      `${trainBatches}, backend ${backend.name}, ${flags.resume ? "random state from the checkpoint" : `seed ${flags.seed}`} → ${displayPath(outDir)}` +
      (folder.staged() ? ` (replacing the run there at this run's first checkpoint)` : ""),
  );

  const train = splitArguments(data.train, "@trainer data.train");
  const runFiles = new RunFiles(folder, flags.resume);
  const callbacks: Callback[] = [...(options.callbacks ?? []), runFiles, interrupt];
  const history = await model.fit(train.x, train.y, {
    signal: interrupt.abortSignal,
    epochs: flags.epochs,
    initialEpoch,
    ...(isBatchDataset(data.train) ? {} : { batchSize: flags.batchSize }),
    verbose: flags.verbose,
    sampleWeight: train.sampleWeight,
    validationData: data.validation as ValidationData | undefined,
    callbacks,
  });

  // The report is drawn from history.csv, so a resumed run's report covers every epoch.
  const writeRunReport = (facts: Record<string, string | number>): void => {
    const table = readHistoryCsv(historyFile);
    writeReport(reportFile, {
      title: `${cls.name} — ${path.basename(source)}`,
      epoch: table.epoch,
      history: table.history,
      facts: {
        model: cls.name,
        source: path.basename(source),
        backend: backend.name,
        epochs: table.epoch.length,
        "batch size": isBatchDataset(data.train) ? "the dataset's own" : flags.batchSize,
        // A resumed run's seed is not its own: it continues the checkpoint's rng (the first run's seed is not recorded).
        seed: flags.resume ? "continued from the checkpoint" : flags.seed,
        ...facts,
      },
    });
  };
  if (interrupt.stoppedBy !== undefined) {
    return finishStoppedRun({ model, interrupt, folder, epochs: flags.epochs, argv, writeReport: writeRunReport, err });
  }

  // A replacing run that never checkpointed (non-finite losses) still replaces the old one once it ends.
  runFiles.swapIn();
  let logs: Record<string, number>;
  if (data.test !== undefined) {
    const test = splitArguments(data.test, "@trainer data.test");
    logs = await model.evaluate(test.x, test.y, { ...(isBatchDataset(data.test) ? {} : { batchSize: flags.batchSize }), sampleWeight: test.sampleWeight, verbose: 0 });
    say(`Test: ${formatLogs(logs)}`);
  } else {
    logs = Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, v[v.length - 1]]));
  }

  writeRunReport(Object.fromEntries(Object.entries(logs).map(([k, v]) => [`${data.test !== undefined ? "test" : "final"} ${k}`, Number(v.toPrecision(6))])));
  if (options.afterTraining) await options.afterTraining(model, { outDir, logs, history, log: (line) => say(line) });
  say(`Wrote ${displayPath(historyFile)}, ${displayPath(checkpoint)}${path.sep}, ${displayPath(reportFile)}`);
  out(JSON.stringify(logs));
  return 0;
}
