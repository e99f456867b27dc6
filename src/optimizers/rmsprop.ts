// RMSprop as tf.train.rmsprop and Keras: velocity = ρ·velocity + (1−ρ)·g²;
// increment = lr·g / sqrt(velocity + ε); with momentum, momentum = μ·momentum + increment.
// Centered (Keras): the denominator is sqrt(velocity − avg_g² + ε).
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { LeafUpdate, OPTIMIZER_OPTIONS, OptimizerOptions, SlotOptimizer, optionsOf } from "./optimizer";
import { checkOptionKeys, optionKeys } from "../options-check";
import { LearningRate } from "./schedules";

export interface RMSpropOptions extends OptimizerOptions {
  /** Decay of the squared-gradient average (tfjs `decay`, Keras `rho`; default 0.9). */
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

export const RMSPROP_OPTIONS = optionKeys<RMSpropOptions>()([...OPTIMIZER_OPTIONS, "rho", "momentum", "epsilon", "centered"]);

export class RMSprop extends SlotOptimizer {
  private readonly rho: number;
  private readonly momentum: number;
  private readonly epsilon: number;
  private readonly centered: boolean;

  constructor(options: RMSpropOptions = {}) {
    if (new.target === RMSprop) checkOptionKeys("new optimizers.RMSprop", options, RMSPROP_OPTIONS);
    const momentum = options.momentum ?? 0;
    const centered = options.centered ?? false;
    super("rmsprop", options, 0.001, ["velocity", ...(momentum > 0 ? ["momentum"] : []), ...(centered ? ["averageGrad"] : [])]);
    this.rho = options.rho ?? 0.9;
    this.momentum = momentum;
    this.epsilon = options.epsilon ?? 1e-7;
    this.centered = centered;
    if (!(this.rho >= 0 && this.rho < 1)) throw new ElegyInputError(`rmsprop rho must be in [0, 1), got ${this.rho}.`);
    if (!(momentum >= 0 && momentum < 1)) throw new ElegyInputError(`rmsprop momentum must be in [0, 1), got ${momentum}.`);
  }

  protected initSlot(_slot: string, param: tf.Tensor): tf.Tensor {
    return tf.zerosLike(param);
  }

  protected updateLeaf({ param, grad, slots, lr }: LeafUpdate): { param: tf.Tensor; slots: Record<string, tf.Tensor> } {
    const out: Record<string, tf.Tensor> = {};
    out.velocity = tf.add(tf.mul(slots.velocity, this.rho), tf.mul(tf.square(grad), 1 - this.rho));
    let denominator = tf.add(out.velocity, this.epsilon);
    if (this.centered) {
      out.averageGrad = tf.add(tf.mul(slots.averageGrad, this.rho), tf.mul(grad, 1 - this.rho));
      denominator = tf.sub(denominator, tf.square(out.averageGrad));
    }
    const increment = tf.div(tf.mul(grad, lr), tf.sqrt(denominator));
    if (this.momentum === 0) return { param: tf.sub(param, increment), slots: out };
    out.momentum = tf.add(tf.mul(slots.momentum, this.momentum), increment);
    return { param: tf.sub(param, out.momentum), slots: out };
  }
}

/** `rmsprop(1e-3)` or `rmsprop({ learningRate, rho, momentum, epsilon, centered, … })`. */
export function rmsprop(learningRateOrOptions?: LearningRate | RMSpropOptions, options: RMSpropOptions = {}): RMSprop {
  return new RMSprop(optionsOf("optimizers.rmsprop", RMSPROP_OPTIONS, learningRateOrOptions, options));
}
