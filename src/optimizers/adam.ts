// Adam as tf.train.adam: bias-corrected first and second moments; epsilon added to sqrt(v̂).
// On wasm and cpu one fused kernel does a leaf's whole update (natively where the addon is
// built); elsewhere, and for large tensors on wasm without the addon, the same math as ops.
import { tf } from "../tf";
import { adamUpdate, prefersAdamUpdate, registerAdamUpdate } from "../backend/kernels/adam-update";
import { LeafUpdate, OPTIMIZER_OPTIONS, OptimizerOptions, SlotOptimizer, optionsOf } from "./optimizer";
import { checkOptionKeys, optionKeys } from "../options-check";
import { LearningRate } from "./schedules";

registerAdamUpdate("cpu");

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  /** Default 1e-7 (Keras, and tfjs's float32 backend epsilon). */
  epsilon?: number;
}

export const ADAM_OPTIONS = optionKeys<AdamOptions>()([...OPTIMIZER_OPTIONS, "beta1", "beta2", "epsilon"]);

export class Adam extends SlotOptimizer {
  protected readonly beta1: number;
  protected readonly beta2: number;
  protected readonly epsilon: number;

  constructor(options: AdamOptions = {}, name = "adam") {
    if (new.target === Adam) checkOptionKeys("new optimizers.Adam", options, ADAM_OPTIONS);
    super(name, options, 0.001, ["m", "v"]);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
  }

  protected initSlot(_slot: string, param: tf.Tensor): tf.Tensor {
    return tf.zerosLike(param);
  }

  /** Decoupled weight decay for the param at `path` (AdamW); none for Adam. */
  protected weightDecayOf(_path: string): number {
    return 0;
  }

  protected updateLeaf({ param, grad, slots, lr, t, path }: LeafUpdate): { param: tf.Tensor; slots: Record<string, tf.Tensor> } {
    const weightDecay = this.weightDecayOf(path);
    if (param.dtype === "float32" && prefersAdamUpdate(param.size)) {
      const [p, m, v] = adamUpdate(
        { param, grad, m: slots.m, v: slots.v, lr, t },
        { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay },
      );
      return { param: p, slots: { m, v } };
    }
    const decayed = weightDecay === 0 ? param : tf.sub(param, tf.mul(param, tf.mul(lr, weightDecay)));
    const m = tf.add(tf.mul(slots.m, this.beta1), tf.mul(grad, 1 - this.beta1));
    const v = tf.add(tf.mul(slots.v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
    const mHat = tf.div(m, tf.sub(1, tf.pow(this.beta1, t)));
    const vHat = tf.div(v, tf.sub(1, tf.pow(this.beta2, t)));
    const step = tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), lr);
    return { param: tf.sub(decayed, step), slots: { m, v } };
  }
}

/** `adam(1e-3)` or `adam({ learningRate, beta1, beta2, epsilon, clipNorm, … })`. */
export function adam(learningRateOrOptions?: LearningRate | AdamOptions, options: AdamOptions = {}): Adam {
  return new Adam(optionsOf("optimizers.adam", ADAM_OPTIONS, learningRateOrOptions, options));
}
