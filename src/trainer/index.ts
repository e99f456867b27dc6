// Entry of generated trainer modules (`require("elegy-ts/trainer")`): they call main() when run
// as a program, and export run(argv) → runTrainer for `elegy-ts train`.
/**
 * What generated trainer modules run: `runTrainer(exports, argv, source)` and the flag parser.
 * @module elegy-ts/trainer
 */
import { failureText } from "../cli/failure-text";
import { runTrainer } from "./run-trainer";

export { runTrainer, trainerClasses } from "./run-trainer";
export { readTrainerFlags, resolveTrainerFlags, trainerHelp, TRAINER_USAGE } from "./flags";
export type { RawTrainerFlags, TrainerDefaults, TrainerFlags } from "./flags";
export { checkTrainerOptions, trainerDefaults } from "./options";
export type { TrainerData, TrainerOptions, TrainerRun, TrainerSplit } from "./options";
export { trainFile } from "./train-file";
export { OUT_DIR_HOLDS_RUN, recoverRunFolder, stagingDirOf } from "./run-folder";
export { readHistoryCsv } from "./history-file";
export type { HistoryTable } from "./history-file";

/** Runs a trainer as a program: its exit code, and one clear line on stderr when it fails. */
export function main(exports: Record<string, unknown>, source: string, argv = process.argv.slice(2)): void {
  runTrainer(exports, argv, source).then(
    (code) => (process.exitCode = code),
    (error) => {
      process.stderr.write(`${failureText(error)}\n`);
      process.exitCode = 1;
    },
  );
}
