// Per-sample weights of a batch, combining sampleWeight and classWeight as Keras does when it
// turns class_weight into sample weights: weight of a sample = classWeight[label] * sampleWeight.
import { tf } from "../tf";

/**
 * Class index of each sample: argmax for one-hot / probability targets (last dim > 1),
 * otherwise the rounded value (sparse labels, binary 0/1 targets).
 */
export function classIndices(yTrue: tf.Tensor): tf.Tensor {
  const last = yTrue.shape[yTrue.rank - 1];
  if (yTrue.rank >= 2 && last !== undefined && last > 1) return tf.argMax(yTrue, -1);
  const labels = yTrue.rank >= 2 && last === 1 ? tf.squeeze(yTrue, [-1]) : yTrue;
  return labels.dtype === "int32" ? labels : tf.cast(tf.round(labels), "int32");
}

/** The combined weights (undefined when neither is given). */
export function combinedWeights(yTrue: tf.Tensor, sampleWeight?: tf.Tensor, classWeight?: tf.Tensor): tf.Tensor | undefined {
  const fromClasses = classWeight === undefined ? undefined : tf.gather(tf.cast(classWeight, "float32"), classIndices(yTrue));
  const fromSamples = sampleWeight === undefined ? undefined : tf.cast(sampleWeight, "float32");
  if (fromClasses && fromSamples) return tf.mul(fromClasses, broadcastableTo(fromSamples, fromClasses.rank));
  return fromClasses ?? fromSamples;
}

/**
 * `weights` with trailing unit axes added (or trailing unit axes removed) so it broadcasts
 * against a tensor of rank `rank` whose leading axes it describes.
 */
export function broadcastableTo(weights: tf.Tensor, rank: number): tf.Tensor {
  let w = weights;
  while (w.rank > rank && w.shape[w.rank - 1] === 1) w = tf.squeeze(w, [-1]);
  while (w.rank < rank) w = tf.expandDims(w, -1);
  return w;
}
