// Entry of generated trainer modules: `require("elegy-ts/trainer").main(require("./model.js"), …)`.
import { CliError } from "../cli/cli-error";
import { runTrainer } from "./run-trainer";

export { runTrainer, trainerClasses } from "./run-trainer";
export { parseTrainerFlags, trainerHelp } from "./flags";

/** Runs a trainer as a program: clear one-line errors for command-line mistakes, exit codes. */
export function main(exports: Record<string, unknown>, source: string, argv = process.argv.slice(2)): void {
  runTrainer(exports, argv, source).then(
    (code) => (process.exitCode = code),
    (error) => {
      console.error(error instanceof CliError ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : error);
      process.exitCode = error instanceof CliError ? 2 : 1;
    },
  );
}
