// The elegy-ts command line: subcommand dispatch. Each command lives in its own file and is
// registered in COMMANDS.
import * as path from "node:path";
import { CliError } from "./cli-error";
import { closestName, didYouMean } from "../suggest";
import { failureText, isExpectedFailure } from "./failure-text";
import { CliIO, consoleIO } from "./io";

interface Command {
  summary: string;
  /** Loaded on use: `build` brings in the compiler, `train` tfjs. */
  load(): { help(): string; run(argv: readonly string[], io: CliIO): number | Promise<number> };
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  build: {
    summary: "compile .ts files or a tsconfig project with the elegy transformer",
    load: () => {
      const command = require("./build") as typeof import("./build");
      return { help: () => command.BUILD_HELP, run: command.buildCommand };
    },
  },
  train: {
    summary: "build a model file if needed and run its generated trainer",
    load: () => {
      const command = require("./train") as typeof import("./train");
      return { help: command.trainHelp, run: command.trainCommand };
    },
  },
  export: {
    summary: "write a checkpoint's model as a tfjs-layers model.json for tf.loadLayersModel",
    load: () => {
      const command = require("./export") as typeof import("./export");
      return { help: () => command.EXPORT_HELP, run: command.exportCommand };
    },
  },
  sweep: {
    summary: "run a hyperparameter sweep's trials, here or through a Redis queue",
    load: () => {
      const command = require("./sweep") as typeof import("./sweep");
      return { help: () => command.SWEEP_HELP, run: command.sweepCommand };
    },
  },
  worker: {
    summary: "run the trials of sweeps queued with sweep --queue, on any machine",
    load: () => {
      const command = require("./worker") as typeof import("./worker");
      return { help: () => command.WORKER_HELP, run: command.workerCommand };
    },
  },
};

export const MAIN_HELP = `Usage: elegy-ts <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, command]) => `  ${name.padEnd(8)}${command.summary}`)
  .join("\n")}

Options:
  -h, --help      show this help (elegy-ts <command> --help for a command's)
  -v, --version   show the elegy-ts version`;

function version(): string {
  // dist/src/cli/main.js → the package's package.json
  const manifest = path.resolve(__dirname, "../../../package.json");
  return (require(manifest) as { version: string }).version;
}

/** Runs the command line (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIO = consoleIO): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined) {
      io.err(MAIN_HELP);
      return 1;
    }
    if (name === "-h" || name === "--help") {
      io.out(MAIN_HELP);
      return 0;
    }
    if (name === "help") {
      const topic = rest[0];
      if (topic === undefined) io.out(MAIN_HELP);
      else if (Object.hasOwn(COMMANDS, topic)) io.out(COMMANDS[topic].load().help());
      else throw new CliError(`elegy-ts: no help for unknown command '${topic}'.${didYouMean(closestName(topic, Object.keys(COMMANDS)))} Commands: ${Object.keys(COMMANDS).join(", ")}.`);
      return 0;
    }
    if (name === "-v" || name === "--version") {
      io.out(version());
      return 0;
    }
    if (!Object.hasOwn(COMMANDS, name)) {
      throw new CliError(`elegy-ts: unknown command '${name}'.${didYouMean(closestName(name, Object.keys(COMMANDS)))} Commands: ${Object.keys(COMMANDS).join(", ")}. Run 'elegy-ts --help' for usage.`);
    }
    return await COMMANDS[name].load().run(rest, io);
  } catch (error) {
    // A CliError or an ElegyError (also from the copy of elegy-ts a model resolves) is one clear line.
    if (error instanceof CliError || isExpectedFailure(error)) {
      io.err(failureText(error));
      return 1;
    }
    throw error;
  }
}
