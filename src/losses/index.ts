// losses namespace (docs/guide.md).
export { SampleLoss, reduceValues } from "./loss";
export type { Loss, LossOptions, Reduction } from "./loss";
export { sparseCategoricalCrossentropy, categoricalCrossentropy, binaryCrossentropy, kullbackLeiblerDivergence } from "./crossentropy";
export type { CrossentropyOptions, SmoothedCrossentropyOptions } from "./crossentropy";
export {
  meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredLogarithmicError,
  huber, logCosh, cosineSimilarity, hinge, squaredHinge, poisson,
} from "./regression";
export type { HuberOptions, CosineSimilarityOptions } from "./regression";
export { Regularization, l1Regularization, l2Regularization } from "./regularization";
export type { RegularizationOptions } from "./regularization";
export { makeLossAggregate, lossLogName } from "./aggregate";
export type { LossSpec, LossLike } from "./aggregate";
export type { Path } from "./select";
