// `elegy-ts build <file.ts>… [--out-dir DIR]` | `elegy-ts build -p tsconfig.json`
import { parseArgs } from "node:util";
import { build } from "../../transformer/build";
import { CliError } from "./cli-error";

export const BUILD_HELP = `Usage: elegy-ts build <file.ts>... [--out-dir DIR]
       elegy-ts build -p tsconfig.json

Compiles with the elegy transformer: records each step's parameter names and reports
misuse of steps (ELEGY1001 unknown injectable, ELEGY1002 not available in that step, …).
Legacy decorators and decorator metadata are switched on for you; single files need no
tsconfig. On any error it prints file(line,col): error CODE: message, exits 1 and emits nothing.

Options:
  -p, --project FILE   compile a tsconfig.json project
  --out-dir DIR        where the .js files go (default: beside each .ts file, or the project's outDir)
  -h, --help           this help`;

export function buildCommand(argv: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { project: { type: "string", short: "p" }, "out-dir": { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n\n${BUILD_HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(BUILD_HELP);
    return 0;
  }
  if (!values.project && positionals.length === 0) throw new CliError(`elegy-ts build needs .ts files or -p tsconfig.json.\n\n${BUILD_HELP}`);
  if (values.project && positionals.length > 0) throw new CliError("elegy-ts build takes either files or -p tsconfig.json, not both.");
  const result = build({ files: positionals, project: values.project, outDir: values["out-dir"] });
  for (const line of result.diagnostics) err(line);
  if (result.exitCode !== 0) err(`elegy-ts build: ${result.diagnostics.length} error(s); nothing was emitted.`);
  return result.exitCode;
}
