// What a generated trainer runs: pick the @trainer class, parse flags, load the backend and
// the data, fit with the progress bar, evaluate on `test`, leave history.csv, a checkpoint
// and report.html in --out-dir, and print the final logs as JSON on the last stdout line.
import * as fs from "node:fs";
import * as path from "node:path";
import "reflect-metadata";
import { METADATA } from "../metadata-keys";
import { TrainerOptions } from "../decorators";
import { ensureBackend } from "../backend";
import { CliError } from "../cli/cli-error";
import { Model, ModelOptions } from "../model/model";
import { Callback } from "../callbacks/callback";
import { csvLogger } from "../callbacks/csv-logger";
import { modelCheckpoint } from "../callbacks/model-checkpoint";
import { htmlReport } from "../callbacks/html-report";
import { MANIFEST_FILE } from "../io/checkpoint";
import { TensorTree } from "../tree";
import { parseTrainerFlags, trainerHelp } from "./flags";

type ModelClass = (new (options?: ModelOptions) => Model) & { name: string };
interface Split {
  x: TensorTree;
  y?: TensorTree;
}
interface TrainerData {
  train: Split;
  validation?: Split;
  test?: Split;
}

/** The exported classes of a module that carry @trainer options. */
export function trainerClasses(exports: Record<string, unknown>): Map<string, ModelClass> {
  const found = new Map<string, ModelClass>();
  for (const value of Object.values(exports)) {
    if (typeof value === "function" && Reflect.hasOwnMetadata(METADATA.trainer, value)) found.set(value.name, value as ModelClass);
  }
  return found;
}

function trainerOptions(cls: ModelClass): TrainerOptions {
  return Reflect.getOwnMetadata(METADATA.trainer, cls) as TrainerOptions;
}

async function loadData(cls: ModelClass): Promise<TrainerData> {
  const source = trainerOptions(cls).data;
  const data = (typeof source === "function" ? await (source as () => unknown)() : source) as TrainerData | undefined;
  if (!data || typeof data !== "object" || !data.train || data.train.x === undefined) {
    throw new CliError(`@trainer({ data }) of ${cls.name} must give { train: { x, y? }, validation?, test? }; it gave ${data === undefined ? "undefined" : Object.keys(data).join(", ") || "{}"}.`);
  }
  return data;
}

/** Runs the trainer; resolves to the process exit code. `out` receives stdout lines. */
export async function runTrainer(exports: Record<string, unknown>, argv: string[], source: string, out: (line: string) => void = (l) => process.stdout.write(l + "\n")): Promise<number> {
  const classes = trainerClasses(exports);
  const names = [...classes.keys()];
  if (names.length === 0) throw new CliError(`${source} exports no model class decorated with @trainer({ data, … }). Decorate one and export it.`);
  const wanted = argv.includes("--model") ? argv[argv.indexOf("--model") + 1] : names[0];
  const cls = classes.get(wanted);
  if (!cls) throw new CliError(`${source} has no @trainer class '${wanted}'. Choose --model ${names.join(" | ")}.`);
  const options = trainerOptions(cls);
  const flags = parseTrainerFlags(argv, {
    epochs: options.epochs ?? 1,
    batchSize: options.batchSize ?? 32,
    outDir: path.join("runs", cls.name),
  });
  if (flags.help) {
    out(trainerHelp({ epochs: options.epochs ?? 1, batchSize: options.batchSize ?? 32, outDir: path.join("runs", cls.name) }, names));
    return 0;
  }
  await ensureBackend(flags.backend);
  const model = new cls({ backend: flags.backend, ...(flags.seed === undefined ? {} : { seed: flags.seed }) });
  const data = await loadData(cls);
  const outDir = path.resolve(flags.outDir);
  const checkpoint = path.join(outDir, "checkpoint");
  if (flags.resume && !fs.existsSync(path.join(checkpoint, MANIFEST_FILE))) {
    throw new CliError(`--resume: there is no checkpoint in ${checkpoint} to continue from. Train once without --resume first.`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const callbacks: Callback[] = [
    ...((options.callbacks as Callback[] | undefined) ?? []),
    csvLogger({ filename: path.join(outDir, "history.csv"), append: flags.resume }),
    modelCheckpoint({ filepath: checkpoint }),
    htmlReport({ file: path.join(outDir, "report.html"), title: `${cls.name} — ${path.basename(source)}`, facts: { model: cls.name, backend: flags.backend, batchSize: flags.batchSize } }),
  ];
  const history = await model.fit(data.train.x, data.train.y, {
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    verbose: flags.verbose,
    validationData: data.validation ? [data.validation.x, data.validation.y] : undefined,
    resume: flags.resume ? checkpoint : undefined,
    callbacks,
  });
  let final: Record<string, number>;
  if (data.test) {
    final = await model.evaluate(data.test.x, data.test.y, { batchSize: flags.batchSize });
  } else {
    final = Object.fromEntries(Object.entries(history.history).map(([k, v]) => [k, v[v.length - 1]]));
  }
  out(JSON.stringify(final));
  return 0;
}
