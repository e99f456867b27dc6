// Losses reported as metrics (Keras' metric versions): running weighted means of the per-sample
// loss values, plus RMSE.
import { tf } from "../tf";
import * as fns from "../losses/functions";
import { MeanMetric, MeanState } from "./mean-metric";
import { checkOptionKeys, optionKeys } from "../options-check";
import { METRIC_OPTIONS, MetricOptions } from "./metric";

export interface CrossentropyMetricOptions extends MetricOptions {
  fromLogits?: boolean;
}

export const CROSSENTROPY_METRIC_OPTIONS = optionKeys<CrossentropyMetricOptions>()([...METRIC_OPTIONS, "fromLogits"]);

export function sparseCategoricalCrossentropy(options: CrossentropyMetricOptions = {}): MeanMetric {
  checkOptionKeys("metrics.sparseCategoricalCrossentropy", options, CROSSENTROPY_METRIC_OPTIONS);
  const name = options.name ?? "sparse_categorical_crossentropy";
  return new MeanMetric("sparse_categorical_crossentropy", fns.sparseCategoricalCrossentropy(options.fromLogits ?? false, name), options, CROSSENTROPY_METRIC_OPTIONS);
}

export function categoricalCrossentropy(options: CrossentropyMetricOptions = {}): MeanMetric {
  checkOptionKeys("metrics.categoricalCrossentropy", options, CROSSENTROPY_METRIC_OPTIONS);
  return new MeanMetric("categorical_crossentropy", fns.checkedCategoricalCrossentropy("metrics", options), options, CROSSENTROPY_METRIC_OPTIONS);
}

export function binaryCrossentropy(options: CrossentropyMetricOptions = {}): MeanMetric {
  checkOptionKeys("metrics.binaryCrossentropy", options, CROSSENTROPY_METRIC_OPTIONS);
  return new MeanMetric("binary_crossentropy", fns.binaryCrossentropy(options.fromLogits ?? false), options, CROSSENTROPY_METRIC_OPTIONS);
}

export function meanSquaredError(options: MetricOptions = {}): MeanMetric {
  checkOptionKeys("metrics.meanSquaredError", options, METRIC_OPTIONS);
  return new MeanMetric("mean_squared_error", fns.meanSquaredError, options, METRIC_OPTIONS);
}

export function meanAbsoluteError(options: MetricOptions = {}): MeanMetric {
  checkOptionKeys("metrics.meanAbsoluteError", options, METRIC_OPTIONS);
  return new MeanMetric("mean_absolute_error", fns.meanAbsoluteError, options, METRIC_OPTIONS);
}

export function meanAbsolutePercentageError(options: MetricOptions = {}): MeanMetric {
  checkOptionKeys("metrics.meanAbsolutePercentageError", options, METRIC_OPTIONS);
  return new MeanMetric("mean_absolute_percentage_error", fns.meanAbsolutePercentageError, options, METRIC_OPTIONS);
}

export function meanSquaredLogarithmicError(options: MetricOptions = {}): MeanMetric {
  checkOptionKeys("metrics.meanSquaredLogarithmicError", options, METRIC_OPTIONS);
  return new MeanMetric("mean_squared_logarithmic_error", fns.meanSquaredLogarithmicError, options, METRIC_OPTIONS);
}

/** √(weighted mean of squared errors) over everything seen (not a mean of per-batch roots). */
export class RootMeanSquaredError extends MeanMetric {
  constructor(options: MetricOptions = {}) {
    if (new.target === RootMeanSquaredError) checkOptionKeys("new metrics.RootMeanSquaredError", options, METRIC_OPTIONS);
    super("root_mean_squared_error", fns.meanSquaredError, options);
  }

  result(state: MeanState): tf.Scalar {
    return tf.sqrt(super.result(state)) as tf.Scalar;
  }
}

export function rootMeanSquaredError(options: MetricOptions = {}): RootMeanSquaredError {
  checkOptionKeys("metrics.rootMeanSquaredError", options, METRIC_OPTIONS);
  return new RootMeanSquaredError(options);
}
