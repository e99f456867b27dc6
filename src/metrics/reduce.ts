// Mean and Sum of a quantity of the batch (Keras' Mean / Sum). By default the quantity is
// yPred, so `mean()` in a Model's metrics reports the average output; pass `of` to average
// something else, e.g. mean({ of: (yTrue, yPred) => tf.abs(tf.sub(yTrue, yPred)) }).
import { tf } from "../tf";
import { PerSampleFn } from "../losses/functions";
import { broadcastableTo, combinedWeights } from "../losses/weights";
import { MeanMetric } from "./mean-metric";
import { checkOptionKeys, optionKeys } from "../options-check";
import { BaseMetric, METRIC_OPTIONS, MetricOptions } from "./metric";

export interface ReduceMetricOptions extends MetricOptions {
  /** The values to reduce (default: yPred). */
  of?: PerSampleFn;
}

export const REDUCE_METRIC_OPTIONS = optionKeys<ReduceMetricOptions>()([...METRIC_OPTIONS, "of"]);

const predictions: PerSampleFn = (_yTrue, yPred) => yPred;

/** Weighted running mean of the values (Σ w·v / Σ w, per sample). */
export function mean(options: ReduceMetricOptions = {}): MeanMetric {
  checkOptionKeys("metrics.mean", options, REDUCE_METRIC_OPTIONS);
  const { of, ...rest } = options;
  return new MeanMetric("mean", of ?? predictions, rest);
}

export class SumMetric extends BaseMetric<{ total: tf.Scalar }> {
  constructor(private readonly of: PerSampleFn, options: MetricOptions = {}) {
    if (new.target === SumMetric) checkOptionKeys("new metrics.SumMetric", options, METRIC_OPTIONS);
    super("sum", options);
  }

  init(): { total: tf.Scalar } {
    return { total: tf.scalar(0) };
  }

  protected accumulate(state: { total: tf.Scalar }, yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeight?: tf.Tensor, classWeight?: tf.Tensor) {
    let values = tf.cast(this.of(yTrue, yPred), "float32");
    const weights = combinedWeights(yTrue, sampleWeight, classWeight);
    if (weights !== undefined) values = tf.mul(values, broadcastableTo(weights, values.rank));
    return { total: tf.add(state.total, tf.sum(values)) as tf.Scalar };
  }

  result(state: { total: tf.Scalar }): tf.Scalar {
    return tf.clone(state.total);
  }
}

/** Weighted running sum of the values. */
export function sum(options: ReduceMetricOptions = {}): SumMetric {
  checkOptionKeys("metrics.sum", options, REDUCE_METRIC_OPTIONS);
  const { of, ...rest } = options;
  return new SumMetric(of ?? predictions, rest);
}
