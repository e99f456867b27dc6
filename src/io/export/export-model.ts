// model.export(dir, { format: "tfjs-layers" }) and what a checkpoint records for `elegy-ts
// export`: which models can leave elegy-ts as a tfjs-layers model, and writing them out.
// Only a model whose predictions are its module's output can: a @predStep's own math is code
// that model.json cannot carry.
import { tf } from "../../tf";
import { Module } from "../../contracts";
import { ElegyExportError, ElegyInputError } from "../../errors";
import { States } from "../../states";
import { layersArtifacts, snapshotWeights } from "./artifacts";
import { describeModule } from "./describe";
import { ModuleDescription, ModuleRecord } from "./description";
import { checkOptionKeys, optionKeys } from "../../options-check";
import { writeLayersFolder } from "#platform/export-folder"; // a folder on disk in Node

export const EXPORT_FORMATS = ["tfjs-layers"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** The only format so far, and the default: a tfjs-layers model.json with binary weight shards. */
  format?: ExportFormat;
}

export const EXPORT_OPTIONS = optionKeys<ExportOptions>()(["format"]);

/** What an export reads from a Model (the Model fills it in, so this file needs no Model). */
export interface ExportSource {
  className: string;
  /** The method decorated with @predStep, when the class has one. */
  predStepMethod?: string;
  module?: Module;
  /** Shape and dtype of each input leaf of the batch the model was initialized on. */
  inputSpec?: ReadonlyArray<{ shape: readonly number[] }>;
  /** Reads the current States (undefined while the model is not initialized) at the moment the weights are taken. */
  states(): States | undefined;
}

export interface ExportResult {
  dir: string;
  /** File names written into dir: model.json, then the weight shards. */
  files: string[];
}

/** The description of the source's module, or why it cannot be exported (phrased to follow "because"). */
export async function moduleRecord(source: ExportSource): Promise<ModuleRecord> {
  const { className, predStepMethod, module, inputSpec } = source;
  if (predStepMethod !== undefined) {
    return {
      unexportable:
        `${className}.${predStepMethod} (@predStep) computes the predictions with code of its own, which a tfjs-layers model cannot carry; ` +
        "only a model whose predictions are its module's output (the default prediction step) can be exported",
    };
  }
  if (module === undefined) return { unexportable: `${className} has no module (new Model({ module })), so there is no network to export` };
  if (inputSpec !== undefined && inputSpec.length !== 1) {
    return { unexportable: `${className} was initialized on an x of ${inputSpec.length} tensors; a tfjs-layers export takes one input tensor` };
  }
  try {
    const result = await describeModule(module, inputSpec?.[0].shape);
    return result.ok ? { description: result.description } : { unexportable: result.reason };
  } catch (error) {
    // A save records this too: an unforeseen failure must not stop the checkpoint from being written.
    return { unexportable: `describing the module for tfjs-layers failed: ${(error as Error).message}` };
  }
}

export function checkExportOptions(options: ExportOptions): void {
  checkOptionKeys("model.export", options, EXPORT_OPTIONS);
  if (options?.format !== undefined && !EXPORT_FORMATS.includes(options.format)) {
    throw new ElegyInputError(`export(): format must be "tfjs-layers" (a model.json for tf.loadLayersModel), got ${JSON.stringify(options.format)}.`);
  }
}

/** model.export: writes the source's module and weights to `dir` as a tfjs-layers model. */
export async function exportModel(dir: string, options: ExportOptions, source: ExportSource): Promise<ExportResult> {
  checkExportOptions(options);
  if (typeof dir !== "string" || dir === "") throw new ElegyInputError("export(dir): dir must be the path of the folder to write model.json into.");
  const record = await moduleRecord(source);
  if ("unexportable" in record) throw new ElegyExportError(`Cannot export ${source.className} to tfjs-layers: ${record.unexportable}.`);
  const states = source.states();
  if (states === undefined) {
    throw new ElegyExportError(`Cannot export ${source.className} to tfjs-layers: it has no weights yet. Call init, fit or predict first (or load a checkpoint).`);
  }
  return writeExport(dir, record.description, states, source.className);
}

/** Writes a described module with the weights the States hold now; `what` names it in errors. */
export async function writeExport(dir: string, description: ModuleDescription, states: States, what: string): Promise<ExportResult> {
  let artifacts;
  let weights: Map<string, tf.Tensor> | undefined;
  try {
    weights = snapshotWeights(description, states); // before any await
    artifacts = await layersArtifacts(description, weights);
  } catch (error) {
    if (error instanceof ElegyExportError) throw new ElegyExportError(`Cannot export ${what} to tfjs-layers: ${error.message}`);
    throw error;
  } finally {
    if (weights) tf.dispose([...weights.values()]);
  }
  return { dir, files: await writeLayersFolder(dir, artifacts) };
}
