// `elegy-ts export <checkpoint-dir> --out DIR [--format tfjs-layers]`: writes a checkpoint's
// model as a tfjs-layers model.json + weight shards, from the checkpoint alone — the module's
// description recorded at save time and the saved weights. No model code is loaded or run.
import * as path from "node:path";
import { CliError } from "./cli-error";
import { CliIO } from "./io";
import { displayPath } from "../display-path";
import { parseCommandFlags } from "./parse-flags";

export const EXPORT_HELP = `Usage: elegy-ts export <checkpoint-dir> --out DIR [--format tfjs-layers]

Writes the model saved in a checkpoint folder (model.save, the trainer's <out-dir>/checkpoint) as
a tfjs-layers model: DIR/model.json and its weight shards, which tf.loadLayersModel loads in Node
("file://DIR/model.json") or in a page (the folder served over http). Runs no model code: the
checkpoint records its module's layers when it is saved.

Options:
  --out DIR          the folder to write model.json and the weights into (created if missing)
  --format NAME      tfjs-layers (the default and only format)
  -h, --help         show this help`;

const OPTIONS = {
  out: { type: "string" },
  format: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export function parseExportArgs(argv: readonly string[]): { help: true } | { help: false; checkpoint: string; out: string } {
  const { values, positionals } = parseCommandFlags("export", argv, OPTIONS);
  if (values.help) return { help: true };
  const usage = EXPORT_HELP.split("\n")[0];
  if (positionals.length !== 1) {
    throw new CliError(`elegy-ts export takes one checkpoint folder, got ${positionals.length === 0 ? "none" : positionals.join(", ")}.\n${usage}`);
  }
  if (values.out === undefined || values.out === "") throw new CliError(`elegy-ts export: --out DIR is required: the folder to write model.json into.\n${usage}`);
  if (values.format !== undefined && values.format !== "tfjs-layers") {
    throw new CliError(`elegy-ts export: --format must be tfjs-layers (a model.json for tf.loadLayersModel), got '${values.format}'.`);
  }
  return { help: false, checkpoint: positionals[0], out: values.out };
}

export async function exportCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const args = parseExportArgs(argv);
  if (args.help) {
    io.out(EXPORT_HELP);
    return 0;
  }
  // tfjs and the checkpoint reader load only now: `elegy-ts export --help` stays instant.
  const { exportCheckpoint } = require("../io/export/export-checkpoint") as typeof import("../io/export/export-checkpoint");
  const result = await exportCheckpoint(args.checkpoint, args.out);
  const modelJson = path.resolve(result.dir, result.files[0]);
  io.out(
    `Wrote ${displayPath(modelJson)} and ${result.files.length - 1} weight file(s) from the checkpoint ${displayPath(path.resolve(args.checkpoint))}. ` +
      `Load it with tf.loadLayersModel("file://${modelJson.split(path.sep).join("/")}").`,
  );
  return 0;
}
