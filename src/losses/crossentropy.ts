// Crossentropy losses (Keras defaults: fromLogits false, no label smoothing).
import * as fns from "./functions";
import { LossOptions, SampleLoss } from "./loss";

export interface CrossentropyOptions extends LossOptions {
  /** yPred are unnormalised scores rather than probabilities. */
  fromLogits?: boolean;
}

export interface SmoothedCrossentropyOptions extends CrossentropyOptions {
  /** Moves targets towards uniform by this fraction (0 = none). */
  labelSmoothing?: number;
}

/** Integer class labels against class scores. */
export function sparseCategoricalCrossentropy(options: CrossentropyOptions = {}): SampleLoss {
  const name = options.name ?? "sparse_categorical_crossentropy";
  return new SampleLoss("sparse_categorical_crossentropy", fns.sparseCategoricalCrossentropy(options.fromLogits ?? false, name), options);
}

/** One-hot (or probability) targets against class scores. */
export function categoricalCrossentropy(options: SmoothedCrossentropyOptions = {}): SampleLoss {
  return new SampleLoss(
    "categorical_crossentropy",
    fns.categoricalCrossentropy(options.fromLogits ?? false, options.labelSmoothing ?? 0),
    options,
  );
}

/** 0/1 targets against one probability (or logit) per output; mean over the last axis. */
export function binaryCrossentropy(options: SmoothedCrossentropyOptions = {}): SampleLoss {
  return new SampleLoss(
    "binary_crossentropy",
    fns.binaryCrossentropy(options.fromLogits ?? false, options.labelSmoothing ?? 0),
    options,
  );
}

export function kullbackLeiblerDivergence(options: LossOptions = {}): SampleLoss {
  return new SampleLoss("kl_divergence", fns.kullbackLeiblerDivergence, options);
}
