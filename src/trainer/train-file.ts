// `elegy-ts train <file>`: builds a .ts model file when its output is missing or older than
// any source, then runs the trainer of its @trainer class in this process.
import * as fs from "node:fs";
import * as path from "node:path";
import { build } from "../../transformer/build";
import { CliError } from "../cli/cli-error";
import { runTrainer } from "./run-trainer";

/** Where `train` keeps what it builds from a .ts file: beside it, so "elegy-ts" resolves from the user's project. */
export function buildDirFor(file: string): string {
  return path.join(path.dirname(file), ".elegy-build");
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) newest = Math.max(newest, fs.statSync(path.join(dir, entry.name)).mtimeMs);
  }
  return newest;
}

/** The compiled .js for a .ts file, building it first when needed (cached by modification time). */
export function compiledModule(file: string, err: (line: string) => void): string {
  const outDir = buildDirFor(file);
  const output = path.join(outDir, `${path.basename(file, ".ts")}.js`);
  const fresh = fs.existsSync(output) && fs.statSync(output).mtimeMs >= newestSource(path.dirname(file));
  if (fresh) return output;
  const result = build({ files: [file], outDir });
  for (const line of result.diagnostics) err(line);
  if (result.exitCode !== 0) throw new CliError(`elegy-ts train: ${path.basename(file)} did not build (${result.diagnostics.length} error(s)); fix them and run again.`);
  return output;
}

export async function trainFile(argv: string[], err: (line: string) => void = (l) => process.stderr.write(l + "\n")): Promise<number> {
  const [file, ...flags] = argv;
  if (!file || file.startsWith("-")) {
    throw new CliError("Usage: elegy-ts train <file.ts|file.js> [--model NAME] [--epochs N] [--batch-size N] [--backend NAME] [--out-dir DIR] [--verbose 0|1|2] [--seed N] [--resume]\n(elegy-ts train <file> --help lists each flag with its default.)");
  }
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute)) throw new CliError(`elegy-ts train: no such file: ${file}`);
  if (!/\.(ts|js|cjs)$/.test(absolute) || absolute.endsWith(".d.ts")) throw new CliError(`elegy-ts train takes a .ts or .js model file, got ${file}.`);
  const modulePath = absolute.endsWith(".ts") ? compiledModule(absolute, err) : absolute;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require(modulePath) as Record<string, unknown>;
  return runTrainer(exports, flags, file);
}
