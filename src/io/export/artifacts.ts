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

/** tfjs-layers' artifacts of the described model with the weights the States hold. */
export async function layersArtifacts(description: ModuleDescription, states: States): Promise<tf.io.ModelArtifacts> {
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: description.modelTopology as never });
  } catch (error) {
    throw new ElegyExportError(`tfjs-layers cannot rebuild the model from its topology: ${(error as Error).message}`);
  }
  try {
    const sources = new Map(description.weights.map((w) => [w.name, w]));
    const used = new Set<string>();
    const values = model.weights.map((w) => {
      const source = sources.get(w.originalName);
      if (source === undefined) throw new ElegyExportError(`the tfjs-layers model has the weight '${w.originalName}', which the description does not place in the States.`);
      if (used.has(w.originalName)) throw new ElegyExportError(`the tfjs-layers model has two weights named '${w.originalName}'; give its layers distinct names.`);
      used.add(w.originalName);
      const where = `states.${source.path.join(".")}`;
      const value = tensorAt(states, source.path);
      if (value === undefined) throw new ElegyExportError(`the weight '${w.originalName}' should be ${where}, but the States hold no tensor there.`);
      if (value.shape.length !== w.shape.length || value.shape.some((d, i) => d !== w.shape[i])) {
        throw new ElegyExportError(`the weight '${w.originalName}' has the shape [${w.shape.join(", ")}] in tfjs-layers, but ${where} is [${value.shape.join(", ")}].`);
      }
      if (value.dtype !== w.dtype) throw new ElegyExportError(`the weight '${w.originalName}' is ${w.dtype} in tfjs-layers, but ${where} is ${value.dtype}.`);
      return value;
    });
    const unused = description.weights.find((w) => !used.has(w.name));
    if (unused) throw new ElegyExportError(`the description places '${unused.name}' at states.${unused.path.join(".")}, but the tfjs-layers model has no such weight.`);
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
