// Losses reported as metrics (Keras' metric versions): running weighted means of the per-sample
// loss values, plus RMSE.
import { tf } from "../tf";
import * as fns from "../losses/functions";
import { MeanMetric, MeanState } from "./mean-metric";
import { MetricOptions } from "./metric";

export interface CrossentropyMetricOptions extends MetricOptions {
  fromLogits?: boolean;
}

export function sparseCategoricalCrossentropy(options: CrossentropyMetricOptions = {}): MeanMetric {
  const name = options.name ?? "sparse_categorical_crossentropy";
  return new MeanMetric("sparse_categorical_crossentropy", fns.sparseCategoricalCrossentropy(options.fromLogits ?? false, name), options);
}

export function categoricalCrossentropy(options: CrossentropyMetricOptions = {}): MeanMetric {
  return new MeanMetric("categorical_crossentropy", fns.categoricalCrossentropy(options.fromLogits ?? false), options);
}

export function binaryCrossentropy(options: CrossentropyMetricOptions = {}): MeanMetric {
  return new MeanMetric("binary_crossentropy", fns.binaryCrossentropy(options.fromLogits ?? false), options);
}

export function meanSquaredError(options: MetricOptions = {}): MeanMetric {
  return new MeanMetric("mean_squared_error", fns.meanSquaredError, options);
}

export function meanAbsoluteError(options: MetricOptions = {}): MeanMetric {
  return new MeanMetric("mean_absolute_error", fns.meanAbsoluteError, options);
}

export function meanAbsolutePercentageError(options: MetricOptions = {}): MeanMetric {
  return new MeanMetric("mean_absolute_percentage_error", fns.meanAbsolutePercentageError, options);
}

export function meanSquaredLogarithmicError(options: MetricOptions = {}): MeanMetric {
  return new MeanMetric("mean_squared_logarithmic_error", fns.meanSquaredLogarithmicError, options);
}

/** √(weighted mean of squared errors) over everything seen (not a mean of per-batch roots). */
export class RootMeanSquaredError extends MeanMetric {
  constructor(options: MetricOptions = {}) {
    super("root_mean_squared_error", fns.meanSquaredError, options);
  }

  result(state: MeanState): tf.Scalar {
    return tf.sqrt(super.result(state)) as tf.Scalar;
  }
}

export function rootMeanSquaredError(options: MetricOptions = {}): RootMeanSquaredError {
  return new RootMeanSquaredError(options);
}
