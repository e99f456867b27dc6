// metrics namespace (docs/guide.md).
export { BaseMetric } from "./metric";
export type { Metric, MetricOptions } from "./metric";
export { MeanMetric } from "./mean-metric";
export type { MeanState } from "./mean-metric";
export { mean, sum, SumMetric } from "./reduce";
export type { ReduceMetricOptions } from "./reduce";
export {
  accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy,
  topKCategoricalAccuracy, sparseTopKCategoricalAccuracy,
} from "./accuracy";
export type { BinaryAccuracyOptions, TopKOptions } from "./accuracy";
export {
  sparseCategoricalCrossentropy, categoricalCrossentropy, binaryCrossentropy,
  meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredLogarithmicError,
  rootMeanSquaredError, RootMeanSquaredError,
} from "./errors";
export type { CrossentropyMetricOptions } from "./errors";
export { precision, recall, Precision, Recall } from "./confusion";
export type { ConfusionOptions } from "./confusion";
export { f1, F1Score } from "./f1";
export type { F1Options, F1Average } from "./f1";
export { makeMetricAggregate } from "./aggregate";
export type { MetricSpec, MetricLike } from "./aggregate";
