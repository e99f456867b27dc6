// classWeight as Keras takes it ({ class: weight }, missing classes weigh 1) or as a
// tensor/array [numClasses]; injected into steps as a float32 Tensor [numClasses].
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { HostTree, hostLeaves } from "./host-data";

export type ClassWeightInput = Record<number, number> | number[] | Float32Array | tf.Tensor1D;

/** Host values of a classWeight option (validated: finite, non-negative). */
export function classWeightValues(input: ClassWeightInput): Float32Array {
  let values: Float32Array;
  if (input instanceof tf.Tensor) {
    if (input.rank !== 1) throw new ElegyInputError(`classWeight tensor has shape [${input.shape.join(",")}]; it must be 1-D: one weight per class.`);
    values = Float32Array.from(input.dataSync());
  } else if (Array.isArray(input) || input instanceof Float32Array) {
    values = Float32Array.from(input);
  } else if (typeof input === "object" && input !== null) {
    const keys = Object.keys(input).map(Number);
    const bad = Object.keys(input).find((k) => !/^\d+$/.test(k));
    if (bad !== undefined) {
      throw new ElegyInputError(`classWeight has the key '${bad}'; keys must be class indices 0, 1, 2, … (non-negative integers).`);
    }
    if (keys.length === 0) throw new ElegyInputError("classWeight is empty; give a weight for at least one class.");
    values = new Float32Array(Math.max(...keys) + 1).fill(1);
    for (const k of keys) values[k] = (input as Record<number, number>)[k];
  } else {
    throw new ElegyInputError(`classWeight must be an object { classIndex: weight } or an array/tensor of weights, got ${typeof input}.`);
  }
  const badIndex = values.findIndex((w) => !Number.isFinite(w) || w < 0);
  if (badIndex >= 0) throw new ElegyInputError(`classWeight for class ${badIndex} is ${values[badIndex]}; weights must be finite and non-negative.`);
  return values;
}

/** Checks that every integer label in y has a class weight (for 1-D int32 class-index targets). */
export function checkLabelsCovered(y: HostTree, numClasses: number): void {
  for (const [path, leaf] of hostLeaves(y, "y")) {
    if (leaf.dtype !== "int32" || leaf.shape.length !== 1) continue;
    let max = -1;
    for (let i = 0; i < leaf.data.length; i++) if (leaf.data[i] > max) max = leaf.data[i];
    if (max >= numClasses) {
      throw new ElegyInputError(
        `${path} has class ${max}, but classWeight has weights for classes 0..${numClasses - 1} only ` +
          "(classes an object leaves out below its largest key weigh 1). " +
          `Add a weight for class ${max} (or for every class).`,
      );
    }
  }
}
