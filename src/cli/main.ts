// elegy-ts command line: subcommand dispatch.
import { CliError } from "./cli-error";
import { buildCommand } from "./build-command";
import { trainCommand } from "./train-command";

export const MAIN_HELP = `Usage: elegy-ts <command> [options]

Commands:
  build   compile models with the elegy transformer (elegy-ts build --help)
  train   build a model file and run its generated trainer (elegy-ts train --help)

Options:
  -h, --help      this help
  -v, --version   the elegy-ts version`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case "-h":
      case "--help":
        console.log(MAIN_HELP);
        return command === undefined ? 2 : 0;
      case "-v":
      case "--version":
        console.log((require("../../../package.json") as { version: string }).version);
        return 0;
      case "build":
        return buildCommand(rest);
      case "train":
        return await trainCommand(rest);
      default:
        throw new CliError(`Unknown command '${command}'.\n\n${MAIN_HELP}`);
    }
  } catch (error) {
    if (error instanceof CliError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
}
