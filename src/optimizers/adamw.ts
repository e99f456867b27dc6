// AdamW (Keras): Adam plus decoupled weight decay, param -= lr · weightDecay · param, applied
// to the param before the Adam step (which does not depend on the param's value).
import { ElegyInputError } from "../errors";
import { ADAM_OPTIONS, Adam, AdamOptions } from "./adam";
import { checkOptionKeys, optionKeys } from "../options-check";
import { optionsOf } from "./optimizer";
import { LearningRate } from "./schedules";

export interface AdamWOptions extends AdamOptions {
  /** Default 0.004 (Keras). */
  weightDecay?: number;
  /** Params whose path this returns true for are not decayed (e.g. p => p.endsWith("bias")). */
  excludeFromWeightDecay?: (path: string) => boolean;
}

export const ADAMW_OPTIONS = optionKeys<AdamWOptions>()([...ADAM_OPTIONS, "weightDecay", "excludeFromWeightDecay"]);

export class AdamW extends Adam {
  private readonly weightDecay: number;
  private readonly exclude: (path: string) => boolean;

  constructor(options: AdamWOptions = {}) {
    if (new.target === AdamW) checkOptionKeys("new optimizers.AdamW", options, ADAMW_OPTIONS);
    super(options, "adamw");
    this.weightDecay = options.weightDecay ?? 0.004;
    if (!Number.isFinite(this.weightDecay) || this.weightDecay < 0) {
      throw new ElegyInputError(`adamw weightDecay must be a non-negative number, got ${this.weightDecay}.`);
    }
    this.exclude = options.excludeFromWeightDecay ?? (() => false);
  }

  protected weightDecayOf(path: string): number {
    return this.exclude(path) ? 0 : this.weightDecay;
  }
}

/** `adamw(1e-3)` or `adamw({ learningRate, weightDecay, beta1, beta2, epsilon, … })`. */
export function adamw(learningRateOrOptions?: LearningRate | AdamWOptions, options: AdamWOptions = {}): AdamW {
  return new AdamW(optionsOf("optimizers.adamw", ADAMW_OPTIONS, learningRateOrOptions, options));
}
