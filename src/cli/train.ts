// `elegy-ts train <file.ts|file.js> [--model ClassName] [--epochs N] …` (docs/trainer-and-cli.md):
// builds the file if needed, then runs its generated trainer (src/trainer/train-file.ts).
// The flags and their help are the trainer's own (src/trainer/flags.ts).
import { TRAINER_USAGE, trainerHelp } from "../trainer/flags";
import { trainerDefaults } from "../trainer/options";
import { trainFile } from "../trainer/train-file";
import { failureText, isExpectedFailure } from "./failure-text";
import { CliIO } from "./io";

/** `elegy-ts train --help`: the flags with the built-in defaults (a file's --help shows its @trainer values). */
export function trainHelp(): string {
  return (
    trainerHelp(trainerDefaults("<ClassName>"), [], TRAINER_USAGE) +
    `\n\nThe defaults shown are the built-in ones; a class's @trainer({ epochs, batchSize, … }) replaces them:\n` +
    `elegy-ts train <file> --help shows that file's. A .ts file is built into .elegy-build/ beside it, again only when a source changed.`
  );
}

export async function trainCommand(argv: readonly string[], io: CliIO): Promise<number> {
  if (argv[0] === "--help" || argv[0] === "-h") {
    io.out(trainHelp());
    return 0;
  }
  try {
    return await trainFile(argv, io.err, io.out);
  } catch (error) {
    if (isExpectedFailure(error)) throw error;
    // An error in the model's own code (a step, the data function): its stack, not "internal error".
    io.err(`elegy-ts train: the training stopped with an error:\n${failureText(error)}`);
    return 1;
  }
}
