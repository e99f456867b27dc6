// Adam as tf.train.adam: bias-corrected first and second moments; epsilon added to sqrt(v̂).
import { tf } from "../tf";
import { LeafUpdate, OptimizerOptions, SlotOptimizer, optionsOf } from "./optimizer";
import { LearningRate } from "./schedules";

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  /** Default 1e-7 (Keras, and tfjs's float32 backend epsilon). */
  epsilon?: number;
}

export class Adam extends SlotOptimizer {
  protected readonly beta1: number;
  protected readonly beta2: number;
  protected readonly epsilon: number;

  constructor(options: AdamOptions = {}, name = "adam") {
    super(name, options, 0.001, ["m", "v"]);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
  }

  protected initSlot(_slot: string, param: tf.Tensor): tf.Tensor {
    return tf.zerosLike(param);
  }

  protected updateLeaf({ param, grad, slots, lr, t }: LeafUpdate): { param: tf.Tensor; slots: Record<string, tf.Tensor> } {
    const m = tf.add(tf.mul(slots.m, this.beta1), tf.mul(grad, 1 - this.beta1));
    const v = tf.add(tf.mul(slots.v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
    const mHat = tf.div(m, tf.sub(1, tf.pow(this.beta1, t)));
    const vHat = tf.div(v, tf.sub(1, tf.pow(this.beta2, t)));
    const step = tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), lr);
    return { param: tf.sub(param, step), slots: { m, v } };
  }
}

/** `adam(1e-3)` or `adam({ learningRate, beta1, beta2, epsilon, clipNorm, … })`. */
export function adam(learningRateOrOptions?: LearningRate | AdamOptions, options: AdamOptions = {}): Adam {
  return new Adam(optionsOf(learningRateOrOptions, options));
}
