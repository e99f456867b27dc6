// Crossentropy losses (Keras defaults: fromLogits false, no label smoothing).
import * as fns from "./functions";
import { checkOptionKeys, optionKeys } from "../options-check";
import { LOSS_OPTIONS, LossOptions, SampleLoss } from "./loss";

export interface CrossentropyOptions extends LossOptions {
  /** yPred are unnormalised scores rather than probabilities. */
  fromLogits?: boolean;
}

export const CROSSENTROPY_OPTIONS = optionKeys<CrossentropyOptions>()([...LOSS_OPTIONS, "fromLogits"]);

export interface SmoothedCrossentropyOptions extends CrossentropyOptions {
  /** Moves targets towards uniform by this fraction (0 = none). */
  labelSmoothing?: number;
}

export const SMOOTHED_CROSSENTROPY_OPTIONS = optionKeys<SmoothedCrossentropyOptions>()([...CROSSENTROPY_OPTIONS, "labelSmoothing"]);

/** Integer class labels against class scores. */
export function sparseCategoricalCrossentropy(options: CrossentropyOptions = {}): SampleLoss {
  checkOptionKeys("losses.sparseCategoricalCrossentropy", options, CROSSENTROPY_OPTIONS);
  const name = options.name ?? "sparse_categorical_crossentropy";
  return new SampleLoss("sparse_categorical_crossentropy", fns.sparseCategoricalCrossentropy(options.fromLogits ?? false, name), options, CROSSENTROPY_OPTIONS);
}

/** One-hot (or probability) targets against class scores. */
export function categoricalCrossentropy(options: SmoothedCrossentropyOptions = {}): SampleLoss {
  checkOptionKeys("losses.categoricalCrossentropy", options, SMOOTHED_CROSSENTROPY_OPTIONS);
  return new SampleLoss("categorical_crossentropy", fns.checkedCategoricalCrossentropy("losses", options), options, SMOOTHED_CROSSENTROPY_OPTIONS);
}

/** 0/1 targets against one probability (or logit) per output; mean over the last axis. */
export function binaryCrossentropy(options: SmoothedCrossentropyOptions = {}): SampleLoss {
  checkOptionKeys("losses.binaryCrossentropy", options, SMOOTHED_CROSSENTROPY_OPTIONS);
  return new SampleLoss(
    "binary_crossentropy",
    fns.binaryCrossentropy(options.fromLogits ?? false, options.labelSmoothing ?? 0),
    options,
    SMOOTHED_CROSSENTROPY_OPTIONS,
  );
}

export function kullbackLeiblerDivergence(options: LossOptions = {}): SampleLoss {
  checkOptionKeys("losses.kullbackLeiblerDivergence", options, LOSS_OPTIONS);
  return new SampleLoss("kl_divergence", fns.kullbackLeiblerDivergence, options, LOSS_OPTIONS);
}
