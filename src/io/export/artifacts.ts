// A description plus the States' tensors → tfjs-layers model artifacts (topology, weight specs,
// weight bytes). tfjs-layers itself rebuilds the model from the topology, takes the weights and
// serializes it, so the result is exactly what tf.loadLayersModel reads; every weight of the
// rebuilt model must find its tensor, with the same shape.
import { tf } from "../../tf";
import { ElegyExportError } from "../../errors";
import { States } from "../../states";
import { isPlainObject, isTensor } from "../../tree";
import { ModuleDescription } from "./description";

/** The tensor at `path` in the States (["netParams", "linear", "kernel"]), if there is one. */
function tensorAt(states: States, path: readonly string[]): tf.Tensor | undefined {
  let node: unknown = states.get(path[0]);
  for (const key of path.slice(1)) node = isPlainObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;
  return isTensor(node) ? node : undefined;
}

/**
 * Each described weight's tensor, taken from the States in one synchronous pass (a fit running
 * alongside may replace the States at its next batch): clones that share the data, to dispose.
 */
export function snapshotWeights(description: ModuleDescription, states: States): Map<string, tf.Tensor> {
  const values = new Map<string, tf.Tensor>();
  try {
    for (const w of description.weights) {
      const value = tensorAt(states, w.path);
      if (value === undefined) throw new ElegyExportError(`the weight '${w.name}' should be states.${w.path.join(".")}, but the States hold no tensor there.`);
      values.set(w.name, tf.clone(value));
    }
  } catch (error) {
    tf.dispose([...values.values()]);
    throw error;
  }
  return values;
}

/** tfjs-layers' artifacts of the described model with the given weights (by tfjs weight name). */
export async function layersArtifacts(description: ModuleDescription, weights: ReadonlyMap<string, tf.Tensor>): Promise<tf.io.ModelArtifacts> {
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: description.modelTopology as never });
  } catch (error) {
    throw new ElegyExportError(`tfjs-layers cannot rebuild the model from its topology: ${(error as Error).message}`);
  }
  try {
    const used = new Set<string>();
    const values = model.weights.map((w) => {
      const value = weights.get(w.originalName);
      if (value === undefined) throw new ElegyExportError(`the tfjs-layers model has the weight '${w.originalName}', which the description does not place in the States.`);
      if (used.has(w.originalName)) throw new ElegyExportError(`the tfjs-layers model has two weights named '${w.originalName}'; give its layers distinct names.`);
      used.add(w.originalName);
      if (value.shape.length !== w.shape.length || value.shape.some((d, i) => d !== w.shape[i])) {
        throw new ElegyExportError(`the weight '${w.originalName}' has the shape [${w.shape.join(", ")}] in tfjs-layers, but the States hold [${value.shape.join(", ")}].`);
      }
      if (value.dtype !== w.dtype) throw new ElegyExportError(`the weight '${w.originalName}' is ${w.dtype} in tfjs-layers, but the States hold ${value.dtype}.`);
      return value;
    });
    const unused = [...weights.keys()].find((name) => !used.has(name));
    if (unused !== undefined) throw new ElegyExportError(`the description places the weight '${unused}', but the tfjs-layers model has no such weight.`);
    model.setWeights(values);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
    return artifacts!;
  } finally {
    model.dispose();
  }
}
