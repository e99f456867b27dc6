// Running weighted means of per-sample values (Keras' Mean / MeanMetricWrapper): the basis of
// accuracies, crossentropies and regression errors. State: total = Σ w·v, count = Σ w.
import { tf } from "../tf";
import { PerSampleFn } from "../losses/functions";
import { broadcastableTo, combinedWeights } from "../losses/weights";
import { BaseMetric, MetricOptions } from "./metric";

export interface MeanState {
  total: tf.Scalar;
  count: tf.Scalar;
  [key: string]: tf.Scalar;
}

/** Per-sample values, mean over any axes after the first (Keras' reduce_to_samplewise_values). */
function samplewise(values: tf.Tensor): tf.Tensor {
  const v = tf.cast(values, "float32");
  if (v.rank <= 1) return v.rank === 0 ? tf.reshape(v, [1]) : v;
  return tf.mean(v, [...Array(v.rank).keys()].slice(1));
}

export class MeanMetric extends BaseMetric<MeanState> {
  constructor(
    defaultName: string,
    private readonly perSample: PerSampleFn,
    options: MetricOptions = {},
  ) {
    super(defaultName, options);
  }

  init(): MeanState {
    return { total: tf.scalar(0), count: tf.scalar(0) };
  }

  protected accumulate(state: MeanState, yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeight?: tf.Tensor, classWeight?: tf.Tensor): MeanState {
    const raw = this.perSample(yTrue, yPred);
    const weights = combinedWeights(yTrue, sampleWeight, classWeight);
    if (weights === undefined) {
      const values = samplewise(raw);
      return { total: tf.add(state.total, tf.sum(values)) as tf.Scalar, count: tf.add(state.count, values.size) as tf.Scalar };
    }
    // Weights may describe samples ([batch]) or elements ([batch, T]): weigh elements, then count weights per value.
    const w = tf.mul(tf.onesLike(tf.cast(raw, "float32")), broadcastableTo(weights, Math.max(raw.rank, 1)));
    const values = samplewise(tf.mul(tf.cast(raw, "float32"), w));
    const sampleWeights = samplewise(w);
    return {
      total: tf.add(state.total, tf.sum(values)) as tf.Scalar,
      count: tf.add(state.count, tf.sum(sampleWeights)) as tf.Scalar,
    };
  }

  result(state: MeanState): tf.Scalar {
    // 0 before any sample (Keras' divide_no_nan).
    return tf.where(tf.greater(state.count, 0), tf.div(state.total, tf.maximum(state.count, 1e-30)), tf.scalar(0)) as tf.Scalar;
  }
}
