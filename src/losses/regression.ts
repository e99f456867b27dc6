// Regression and margin losses: per-sample means over the last axis, as Keras.
import * as fns from "./functions";
import { LossOptions, SampleLoss } from "./loss";

export function meanSquaredError(options: LossOptions = {}): SampleLoss {
  return new SampleLoss("mean_squared_error", fns.meanSquaredError, options);
}

export function meanAbsoluteError(options: LossOptions = {}): SampleLoss {
  return new SampleLoss("mean_absolute_error", fns.meanAbsoluteError, options);
}

export function meanAbsolutePercentageError(options: LossOptions = {}): SampleLoss {
  return new SampleLoss("mean_absolute_percentage_error", fns.meanAbsolutePercentageError, options);
}

export function meanSquaredLogarithmicError(options: LossOptions = {}): SampleLoss {
  return new SampleLoss("mean_squared_logarithmic_error", fns.meanSquaredLogarithmicError, options);
}

export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

export function huber(options: HuberOptions = {}): SampleLoss {
  return new SampleLoss("huber", fns.huber(options.delta ?? 1), options);
}

export function logCosh(options: LossOptions = {}): SampleLoss {
  return new SampleLoss("log_cosh", fns.logCosh, options);
}

export interface CosineSimilarityOptions extends LossOptions {
  axis?: number;
}

/** −cos(yTrue, yPred) along `axis`: minimising it aligns the vectors. */
export function cosineSimilarity(options: CosineSimilarityOptions = {}): SampleLoss {
  return new SampleLoss("cosine_similarity", fns.cosineSimilarity(options.axis ?? -1), options);
}

export function hinge(options: LossOptions = {}): SampleLoss {
  return new SampleLoss("hinge", fns.hinge, options);
}

export function squaredHinge(options: LossOptions = {}): SampleLoss {
  return new SampleLoss("squared_hinge", fns.squaredHinge, options);
}

export function poisson(options: LossOptions = {}): SampleLoss {
  return new SampleLoss("poisson", fns.poisson, options);
}
