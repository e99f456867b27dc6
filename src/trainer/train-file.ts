// `elegy-ts train <file>`: finds (building a .ts file when needed) the generated trainer module
// of a model file and runs it in this process. A .ts file is built into `.elegy-build/` beside
// it — there "elegy-ts" resolves as it does for the file itself — and rebuilt only when one of
// its sources, or elegy-ts, changed since (build.json records their hashes).
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { trainerFileName } from "./trainer-file-name";
import { CliError } from "../cli/cli-error";
import { displayPath } from "../display-path";
import { TRAINER_USAGE } from "./flags";
import { runTrainer } from "./run-trainer";
import { loadTrainerModule } from "./trainer-class";

/** Where `train` keeps what it builds from a .ts file. */
export function buildDirFor(file: string): string {
  return path.join(path.dirname(path.resolve(file)), ".elegy-build");
}

interface BuildRecord {
  elegyVersion: string;
  /** Source file → sha256 of its text. */
  sources: Record<string, string>;
  outputs: string[];
  /** The trainer module, or null when the file has no runnable `@trainer` class. */
  trainer: string | null;
}

function elegyVersion(): string {
  // dist/src/trainer/train-file.js → the package's package.json
  return (require(path.resolve(__dirname, "../../../package.json")) as { version: string }).version;
}

function hashOf(file: string): string | undefined {
  try {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
  } catch {
    return undefined;
  }
}

function recordFile(file: string): string {
  return path.join(buildDirFor(file), `${path.basename(file, path.extname(file))}.build.json`);
}

/** The previous build's record, if every source it read is unchanged and every output is still there. */
function freshRecord(file: string): BuildRecord | undefined {
  let record: BuildRecord;
  try {
    record = JSON.parse(fs.readFileSync(recordFile(file), "utf8")) as BuildRecord;
  } catch {
    return undefined;
  }
  if (record.elegyVersion !== elegyVersion()) return undefined;
  if (!Object.hasOwn(record.sources, path.resolve(file))) return undefined;
  for (const [source, hash] of Object.entries(record.sources)) if (hashOf(source) !== hash) return undefined;
  if (!record.outputs.every((output) => fs.existsSync(output))) return undefined;
  return record;
}

/**
 * The trainer module of a .ts model file (null when it has no `@trainer` class), building it
 * first unless the last build is still fresh. Build errors are printed with `err` and thrown.
 */
export function builtTrainer(file: string, err: (line: string) => void, command = "train"): string | null {
  const absolute = path.resolve(file);
  const fresh = freshRecord(absolute);
  if (fresh) return fresh.trainer;
  // Loaded here: a fresh cache needs no compiler.
  const { build } = require("../../transformer/build") as typeof import("../../transformer/build");
  const result = build({ files: [absolute], outDir: buildDirFor(absolute) });
  for (const line of result.diagnostics) err(line);
  if (result.exitCode !== 0) {
    const n = result.diagnostics.length;
    throw new CliError(`elegy-ts ${command}: ${path.basename(file)} did not build (${n} error${n === 1 ? "" : "s"}); fix ${n === 1 ? "it" : "them"} and run again.`);
  }
  const trainer = result.trainers.find((t) => t.source === absolute)?.trainer ?? null;
  const record: BuildRecord = {
    elegyVersion: elegyVersion(),
    sources: Object.fromEntries(result.sourceFiles.map((source) => [source, hashOf(source) ?? ""])),
    outputs: result.emittedFiles,
    trainer,
  };
  fs.writeFileSync(recordFile(absolute), JSON.stringify(record, null, 2));
  return trainer;
}

/** What a trainer module exports (see transformer/emit-trainer.ts). */
interface TrainerModule {
  run(argv: readonly string[], out?: (line: string) => void): Promise<number>;
}

async function loadModule(file: string): Promise<Record<string, unknown>> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_REQUIRE_ESM") throw error;
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  }
}

const NO_TRAINER = (file: string) =>
  `elegy-ts train: ${file} has no exported model class decorated with @trainer({ data, … }), so there is nothing to train. ` +
  `Add one, e.g. @trainer({ data: () => datasets.mnist(), epochs: 2 }) on an exported class that extends Model.`;

/**
 * Runs `elegy-ts train <file> [flags]`: a .ts file is built (or taken from the cache) and its
 * generated trainer run; a compiled .js file runs the trainer beside it (`<name>.trainer.js`),
 * or, without one (e.g. built by tspc), its exports directly.
 */
export async function trainFile(argv: readonly string[], err: (line: string) => void = (l) => process.stderr.write(`${l}\n`), out?: (line: string) => void): Promise<number> {
  const [file, ...flags] = argv;
  if (file === undefined || file.startsWith("-")) {
    throw new CliError(`${TRAINER_USAGE}\n(elegy-ts train --help lists the flags; elegy-ts train <file> --help shows that model's defaults.)`);
  }
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute) || !fs.statSync(absolute).isFile()) throw new CliError(`elegy-ts train: no such file: ${file}`);
  if (absolute.endsWith(".d.ts") || !/\.(ts|mts|cts|js|mjs|cjs)$/.test(absolute)) {
    throw new CliError(`elegy-ts train takes a .ts model file (or the .js that elegy-ts build made of it), got ${file}.`);
  }
  let trainer: string | null;
  if (/\.(ts|mts|cts)$/.test(absolute)) {
    trainer = builtTrainer(absolute, err);
    if (trainer === null) throw new CliError(NO_TRAINER(file));
  } else {
    trainer = /\.trainer\.(c|m)?js$/.test(absolute) ? absolute : trainerFileName(absolute);
    if (!fs.existsSync(trainer)) {
      return runTrainer(await loadTrainerModule(() => loadModule(absolute)), flags, path.basename(file), out);
    }
  }
  const module = (await loadModule(trainer)) as Partial<TrainerModule>;
  if (typeof module.run !== "function") {
    throw new CliError(`elegy-ts train: ${displayPath(trainer)} is not a trainer module made by this elegy-ts (it has no run export). Rebuild it with elegy-ts build.`);
  }
  return module.run(flags, out);
}
