// `elegy-ts train <file.ts|file.js> [--model ClassName] [--epochs N] …` (API.md §1 and §7):
// builds if needed, then runs the generated trainer of a model. Not implemented yet; the
// command is registered in main.ts so that it only needs its body here.
import { CliIO } from "./io";

export const TRAIN_HELP = `Usage: elegy-ts train <file.ts|file.js> [--model ClassName] [--epochs N] [--batch-size N]
                      [--backend auto|cuda|native|wasm|cpu] [--out-dir DIR] [--verbose 0|1|2]
                      [--seed N] [--resume]

Builds the file if needed, then runs the generated trainer of its model.
Not implemented yet.`;

export async function trainCommand(argv: readonly string[], io: CliIO): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(TRAIN_HELP);
    return 0;
  }
  io.err("elegy-ts train: not implemented yet.");
  return 1;
}
