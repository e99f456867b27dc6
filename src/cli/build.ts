// `elegy-ts build <file.ts>… [--out-dir DIR]` and `elegy-ts build -p tsconfig.json`.
// The compile itself is build() in transformer/build.ts, re-exported here as the
// programmatic API: build({ files | project, outDir }) → { diagnostics, emittedFiles, exitCode }.
import { parseArgs } from "node:util";
import { build } from "../../transformer/build";
import { closestName, didYouMean } from "../suggest";
import { CliError } from "./cli-error";
import { CliIO } from "./io";

export { build, REQUIRED_OPTIONS, SINGLE_FILE_DEFAULTS } from "../../transformer/build";
export type { BuildOptions, BuildResult } from "../../transformer/build";

export const BUILD_HELP = `Usage: elegy-ts build <file.ts>... [--out-dir DIR]
       elegy-ts build -p tsconfig.json [--out-dir DIR]

Compiles TypeScript with the elegy-ts transformer: records the parameter names of each
@predStep/@testStep/@gradStep/@trainStep/@initStep method, and reports misused steps
(ELEGY1001 unknown injectable, ELEGY1002 injectable not available in that step, ...).

Decorators: files given without -p compile with legacy decorators (experimentalDecorators,
useDefineForClassFields=false); a tsconfig keeps its own mode, legacy or TypeScript 5's
standard decorators (experimentalDecorators off) - both work.
Files given without -p need no tsconfig: they compile with module/moduleResolution node16,
target ES2022, strict, esModuleInterop and skipLibCheck.

For each file with model classes decorated with @trainer({ data, ... }), also writes
<name>.trainer.js beside its .js: \`node <name>.trainer.js --help\` (or elegy-ts train).
A @trainer class its trainer could not run is an error (ELEGY1010-1015: not a Model, not
exported, no data, abstract, decorated twice, anonymous).

Errors print as file(line,col): error CODE: message. On any error nothing is written (no
trainer module either) and the exit code is 1.

Options:
  -p, --project PATH   compile a tsconfig.json (or the folder holding one)
  --out-dir DIR        write the .js files to DIR (default: the project's outDir, or
                       beside each .ts file)
  -h, --help           show this help`;

const OPTIONS = {
  project: { type: "string", short: "p" },
  "out-dir": { type: "string" },
  outDir: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;
/** As listed in messages (outDir is an undocumented spelling of --out-dir). */
const SHOWN_OPTIONS = ["-p/--project", "--out-dir", "-h/--help"];

/** Rejects unknown options (with the closest known one) and string options without a value, in our own words. */
function checkOptions(argv: readonly string[]): void {
  const { tokens } = parseArgs({ args: [...argv], allowPositionals: true, strict: false, tokens: true, options: OPTIONS });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const known = (OPTIONS as Record<string, { type: string }>)[token.name];
    if (!known) {
      const suggestion = closestName(token.rawName.replace(/^-+/, ""), ["project", "out-dir", "help"]);
      throw new CliError(
        `elegy-ts build: unknown option '${token.rawName}'.` +
          didYouMean(suggestion, "--") +
          ` Options: ${SHOWN_OPTIONS.join(", ")}.\nRun 'elegy-ts build --help' for usage.`,
      );
    }
    if (known.type === "string" && (token.value === undefined || token.value === "")) {
      throw new CliError(`elegy-ts build: ${token.rawName} needs a value, e.g. ${token.rawName} ${token.name === "project" ? "tsconfig.json" : "dist"}.`);
    }
  }
}

/** Runs `elegy-ts build` with the arguments after `build`; returns the exit code. */
export function buildCommand(argv: readonly string[], io: CliIO): number {
  checkOptions(argv);
  let values: { project?: string; "out-dir"?: string; outDir?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS }));
  } catch (error) {
    throw new CliError(`elegy-ts build: ${(error as Error).message}\nRun 'elegy-ts build --help' for usage.`);
  }
  if (values.help) {
    io.out(BUILD_HELP);
    return 0;
  }
  if (values.project === undefined && positionals.length === 0) {
    throw new CliError("elegy-ts build: give .ts files or -p tsconfig.json.\nRun 'elegy-ts build --help' for usage.");
  }
  if (values.project !== undefined && positionals.length > 0) {
    throw new CliError(`elegy-ts build: give either files or -p ${values.project}, not both.`);
  }
  const outDir = values["out-dir"] ?? values.outDir;
  const result = build(values.project !== undefined ? { project: values.project, outDir } : { files: positionals, outDir });
  for (const line of result.diagnostics) io.err(line);
  if (result.exitCode !== 0) {
    const n = result.diagnostics.length;
    io.err(`elegy-ts build: ${n} error${n === 1 ? "" : "s"}; nothing was written.`);
  }
  return result.exitCode;
}
