// Regression and margin losses: per-sample means over the last axis, as Keras.
import * as fns from "./functions";
import { checkOptionKeys, optionKeys } from "../options-check";
import { LOSS_OPTIONS, LossOptions, SampleLoss } from "./loss";

export function meanSquaredError(options: LossOptions = {}): SampleLoss {
  checkOptionKeys("losses.meanSquaredError", options, LOSS_OPTIONS);
  return new SampleLoss("mean_squared_error", fns.meanSquaredError, options, LOSS_OPTIONS);
}

export function meanAbsoluteError(options: LossOptions = {}): SampleLoss {
  checkOptionKeys("losses.meanAbsoluteError", options, LOSS_OPTIONS);
  return new SampleLoss("mean_absolute_error", fns.meanAbsoluteError, options, LOSS_OPTIONS);
}

export function meanAbsolutePercentageError(options: LossOptions = {}): SampleLoss {
  checkOptionKeys("losses.meanAbsolutePercentageError", options, LOSS_OPTIONS);
  return new SampleLoss("mean_absolute_percentage_error", fns.meanAbsolutePercentageError, options, LOSS_OPTIONS);
}

export function meanSquaredLogarithmicError(options: LossOptions = {}): SampleLoss {
  checkOptionKeys("losses.meanSquaredLogarithmicError", options, LOSS_OPTIONS);
  return new SampleLoss("mean_squared_logarithmic_error", fns.meanSquaredLogarithmicError, options, LOSS_OPTIONS);
}

export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  delta?: number;
}

export const HUBER_OPTIONS = optionKeys<HuberOptions>()([...LOSS_OPTIONS, "delta"]);

export function huber(options: HuberOptions = {}): SampleLoss {
  checkOptionKeys("losses.huber", options, HUBER_OPTIONS);
  return new SampleLoss("huber", fns.huber(options.delta ?? 1), options, HUBER_OPTIONS);
}

export function logCosh(options: LossOptions = {}): SampleLoss {
  checkOptionKeys("losses.logCosh", options, LOSS_OPTIONS);
  return new SampleLoss("log_cosh", fns.logCosh, options, LOSS_OPTIONS);
}

export interface CosineSimilarityOptions extends LossOptions {
  axis?: number;
}

export const COSINE_SIMILARITY_OPTIONS = optionKeys<CosineSimilarityOptions>()([...LOSS_OPTIONS, "axis"]);

/** −cos(yTrue, yPred) along `axis`: minimising it aligns the vectors. */
export function cosineSimilarity(options: CosineSimilarityOptions = {}): SampleLoss {
  checkOptionKeys("losses.cosineSimilarity", options, COSINE_SIMILARITY_OPTIONS);
  return new SampleLoss("cosine_similarity", fns.cosineSimilarity(options.axis ?? -1), options, COSINE_SIMILARITY_OPTIONS);
}

export function hinge(options: LossOptions = {}): SampleLoss {
  checkOptionKeys("losses.hinge", options, LOSS_OPTIONS);
  return new SampleLoss("hinge", fns.hinge, options, LOSS_OPTIONS);
}

export function squaredHinge(options: LossOptions = {}): SampleLoss {
  checkOptionKeys("losses.squaredHinge", options, LOSS_OPTIONS);
  return new SampleLoss("squared_hinge", fns.squaredHinge, options, LOSS_OPTIONS);
}

export function poisson(options: LossOptions = {}): SampleLoss {
  checkOptionKeys("losses.poisson", options, LOSS_OPTIONS);
  return new SampleLoss("poisson", fns.poisson, options, LOSS_OPTIONS);
}
