// metrics namespace (API.md §6).
export { BaseMetric } from "./metric";
export type { Metric, MetricOptions } from "./metric";
export { MeanMetric } from "./mean-metric";
export type { MeanState } from "./mean-metric";
export {
  accuracy, binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy,
  topKCategoricalAccuracy, sparseTopKCategoricalAccuracy,
} from "./accuracy";
export type { BinaryAccuracyOptions, TopKOptions } from "./accuracy";
export { makeMetricAggregate } from "./aggregate";
export type { MetricSpec } from "./aggregate";
