// Running weighted means of per-sample values (Keras' Mean / MeanMetricWrapper): the basis of
// accuracies, crossentropies and regression errors. State: total = Σ w·v, count = Σ w.
import { tf } from "../tf";
import { PerSampleFn } from "../losses/functions";
import { broadcastableTo, combinedWeights } from "../losses/weights";
import { checkOptionKeys } from "../options-check";
import { BaseMetric, METRIC_OPTIONS, MetricOptions } from "./metric";
import { hasHostKernel, runHostKernel } from "../backend/kernels/host-kernel";
import { MEAN_UPDATE, SAFE_MEAN } from "../backend/kernels/running-means";

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

function isFloatScalar(t: tf.Tensor): boolean {
  return t.rank === 0 && t.dtype === "float32";
}

/** Per-sample float32 values [n] and weights [n] (or none): what the fused update takes. */
function fusable(state: MeanState, values: tf.Tensor, weights: tf.Tensor | undefined): tf.Tensor | false | undefined {
  if (values.dtype !== "float32" || values.rank !== 1 || !isFloatScalar(state.total) || !isFloatScalar(state.count) || !hasHostKernel(MEAN_UPDATE)) return false;
  if (weights === undefined) return undefined;
  const w = broadcastableTo(weights, 1);
  return w.dtype === "float32" && w.rank === 1 && w.shape[0] === values.shape[0] ? w : false;
}

/**
 * The mean each fused update computed with its state, so result() right after update() (what
 * the metric aggregate does every batch) costs no kernel. Taken once, and only while alive.
 */
const meanOfState = new WeakMap<MeanState, tf.Scalar>();

export class MeanMetric extends BaseMetric<MeanState> {
  constructor(
    defaultName: string,
    private readonly perSample: PerSampleFn,
    options: MetricOptions = {},
    /** The keys `options` may have: a factory's own list (its extra keys are read by `perSample`'s maker). */
    validOptions: readonly string[] = METRIC_OPTIONS,
  ) {
    checkOptionKeys("new metrics.MeanMetric", options, validOptions);
    super(defaultName, options);
  }

  init(): MeanState {
    return { total: tf.scalar(0), count: tf.scalar(0) };
  }

  protected accumulate(state: MeanState, yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeight?: tf.Tensor, classWeight?: tf.Tensor): MeanState {
    const raw = this.perSample(yTrue, yPred);
    const weights = combinedWeights(yTrue, sampleWeight, classWeight);
    const fusedWeights = fusable(state, raw, weights);
    if (fusedWeights !== false) {
      // One kernel: Σ w·v and Σ w added to the totals, and the new mean.
      const inputs: Record<string, tf.Tensor> = { total: state.total, count: state.count, values: raw };
      if (fusedWeights) inputs.weights = fusedWeights;
      const [total, count, mean] = runHostKernel(MEAN_UPDATE, inputs) as tf.Scalar[];
      const next: MeanState = { total, count };
      meanOfState.set(next, mean);
      return next;
    }
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
    const cached = meanOfState.get(state);
    if (cached !== undefined) {
      meanOfState.delete(state);
      if (!cached.isDisposed) return cached;
    }
    // 0 before any sample (Keras' divide_no_nan).
    if (isFloatScalar(state.total) && isFloatScalar(state.count) && hasHostKernel(SAFE_MEAN)) {
      return runHostKernel(SAFE_MEAN, { total: state.total, count: state.count })[0] as tf.Scalar;
    }
    return tf.where(tf.greater(state.count, 0), tf.div(state.total, tf.maximum(state.count, 1e-30)), tf.scalar(0)) as tf.Scalar;
  }
}
