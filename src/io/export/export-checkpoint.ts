// `elegy-ts export`: a checkpoint folder → a tfjs-layers export, from the checkpoint alone.
// The module description a checkpoint records at save time (checked like the rest of its
// architecture, under its checksum) says which tfjs layers to build and where each weight is
// in the saved States. A checkpoint without one is refused with what to do instead.
import { tf } from "../../tf";
import { ensureBackend } from "../../backend";
import { displayPath } from "../../display-path";
import { ElegyExportError } from "../../errors";
import { loadCheckpoint } from "../checkpoint";
import { moduleRecordProblem, type ModuleRecord } from "./description";
import { ExportResult, writeExport } from "./export-model";

/** The module record a loaded checkpoint carries, if any (in its recorded architecture). */
function recordedModule(checkpoint: object): unknown {
  return (checkpoint as { architecture?: { module?: unknown } }).architecture?.module;
}

export async function exportCheckpoint(checkpointDir: string, outDir: string): Promise<ExportResult> {
  // An export only copies weights: no kernel worth a faster backend. The choice is not the
  // user's, so it is not announced (the CLI prints what was exported).
  await ensureBackend("cpu", { log: () => undefined });
  const checkpoint = await loadCheckpoint(checkpointDir);
  const where = `The checkpoint at ${displayPath(checkpointDir)} (saved from ${checkpoint.className})`;
  try {
    const record = recordedModule(checkpoint);
    if (record === undefined) {
      throw new ElegyExportError(
        `${where} records no description of its module, so it cannot be exported without the model's code. ` +
          "Save it again with this version of elegy-ts (model.save, or elegy-ts train), or load it into its model class and call model.export(dir).",
      );
    }
    const problem = moduleRecordProblem(record);
    if (problem !== undefined) throw new ElegyExportError(`${where} records an invalid module description: ${problem}.`);
    const valid = record as ModuleRecord;
    if ("unexportable" in valid) throw new ElegyExportError(`${where} cannot be exported to tfjs-layers: ${valid.unexportable}.`);
    return await writeExport(outDir, valid.description, checkpoint.states, `the checkpoint at ${displayPath(checkpointDir)}`);
  } finally {
    tf.dispose([...checkpoint.states.tensors()]);
  }
}
