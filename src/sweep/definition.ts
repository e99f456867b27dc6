// What `elegy-ts sweep <file>` sweeps: the model file built (or taken from the build cache), its
// @trainer class, and the sweep's definition from @trainer or from --config (whose keys win).
import * as fs from "node:fs";
import * as path from "node:path";
import { CliError } from "../cli/cli-error";
import { builtTrainer } from "../trainer/train-file";
import { trainerClasses } from "../trainer/run-trainer";
import { trainerFileName } from "../trainer/trainer-file-name";
import { METADATA } from "../metadata-keys";
import { closestName, didYouMean } from "../suggest";
import { SPEC_KEYS, SweepSpec, checkSweepSpec } from "./spec";
import type { TrainerOptions } from "../trainer/options";

export interface SweepDefinition {
  /** The model file as trials are given it (absolute). */
  file: string;
  model: string;
  spec: SweepSpec;
  /** Where the @trainer options put the runs (the sweep's default out-dir derives from it). */
  trainerOutDir?: string;
}

/** The compiled module of a model file: for .ts, the build's output beside its trainer. */
function compiledModule(file: string, err: (line: string) => void): string {
  if (/\.(ts|mts|cts)$/.test(file) && !file.endsWith(".d.ts")) {
    const trainer = builtTrainer(file, err, "sweep");
    if (trainer === null) throw new CliError(`elegy-ts sweep: ${path.basename(file)} has no exported model class decorated with @trainer({ data, … }) to sweep.`);
    return trainer.replace(/\.trainer(\.[cm]?js)$/, "$1");
  }
  if (!fs.existsSync(trainerFileName(file))) throw new CliError(`elegy-ts sweep: ${path.basename(file)} has no trainer module beside it; give the .ts file, or build it with elegy-ts build.`);
  return file;
}

function readConfig(configFile: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(configFile, "utf8");
  } catch {
    throw new CliError(`elegy-ts sweep: cannot read --config ${configFile}: no such file.`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new CliError(`elegy-ts sweep: --config ${configFile} is not valid JSON (${(error as Error).message}).`);
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) throw new CliError(`elegy-ts sweep: --config ${configFile} must hold a JSON object like { "sweep": { … }, "objective": "val_loss" }.`);
  return config as Record<string, unknown>;
}

/** Builds and loads the model file, picks the class, and checks its sweep definition. */
export function loadSweepDefinition(fileArg: string, options: { model?: string; config?: string }, err: (line: string) => void): SweepDefinition {
  const file = path.resolve(fileArg);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new CliError(`elegy-ts sweep: no such file: ${fileArg}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require(compiledModule(file, err)) as Record<string, unknown>;
  const classes = trainerClasses(exports);
  const names = [...classes.keys()];
  if (names.length === 0) throw new CliError(`elegy-ts sweep: ${fileArg} exports no model class decorated with @trainer({ data, … }).`);
  const model = options.model ?? names[0];
  const cls = classes.get(model);
  if (!cls) throw new CliError(`elegy-ts sweep: ${fileArg} has no @trainer class '${model}'.${didYouMean(closestName(model, names))} Choose --model ${names.join(" | ")}.`);
  const trainerOptions = Reflect.getOwnMetadata(METADATA.trainer, cls) as TrainerOptions;
  const fromClass = Object.fromEntries(SPEC_KEYS.filter((k) => trainerOptions[k] !== undefined).map((k) => [k, trainerOptions[k]]));
  const fromConfig = options.config !== undefined ? readConfig(options.config) : {};
  const given = { ...fromClass, ...fromConfig };
  if (given.sweep === undefined) {
    throw new CliError(
      `elegy-ts sweep: ${model} has no sweep. Add one to its @trainer, e.g. sweep: { learningRate: { logUniform: [1e-4, 1e-2] } }, objective: "val_loss", ` +
        `or give --config sweep.json holding { "sweep": { … }, "objective": "val_loss" }.`,
    );
  }
  const where = options.config !== undefined ? `--config ${options.config}` : `@trainer of ${model}`;
  const spec = checkSweepSpec(where, given, (message) => new CliError(`elegy-ts sweep: ${message}`));
  return { file, model, spec, trainerOutDir: trainerOptions.outDir };
}
