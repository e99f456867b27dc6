// Adagrad as tf.train.adagrad and Keras: accumulator += g²; param -= lr·g / sqrt(accumulator + ε).
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { LeafUpdate, OPTIMIZER_OPTIONS, OptimizerOptions, SlotOptimizer, optionsOf } from "./optimizer";
import { checkOptionKeys, optionKeys } from "../options-check";
import { LearningRate } from "./schedules";

export interface AdagradOptions extends OptimizerOptions {
  /** Starting value of the accumulator (default 0.1). */
  initialAccumulatorValue?: number;
  epsilon?: number;
}

export const ADAGRAD_OPTIONS = optionKeys<AdagradOptions>()([...OPTIMIZER_OPTIONS, "initialAccumulatorValue", "epsilon"]);

export class Adagrad extends SlotOptimizer {
  private readonly initialAccumulatorValue: number;
  private readonly epsilon: number;

  constructor(options: AdagradOptions = {}) {
    if (new.target === Adagrad) checkOptionKeys("new optimizers.Adagrad", options, ADAGRAD_OPTIONS);
    super("adagrad", options, 0.001, ["accumulator"]);
    this.initialAccumulatorValue = options.initialAccumulatorValue ?? 0.1;
    this.epsilon = options.epsilon ?? 1e-7;
    if (!(this.initialAccumulatorValue >= 0)) {
      throw new ElegyInputError(`adagrad initialAccumulatorValue must be ≥ 0, got ${this.initialAccumulatorValue}.`);
    }
  }

  protected initSlot(_slot: string, param: tf.Tensor): tf.Tensor {
    return tf.fill(param.shape, this.initialAccumulatorValue);
  }

  protected updateLeaf({ param, grad, slots, lr }: LeafUpdate): { param: tf.Tensor; slots: Record<string, tf.Tensor> } {
    const accumulator = tf.add(slots.accumulator, tf.square(grad));
    const step = tf.mul(tf.div(grad, tf.sqrt(tf.add(accumulator, this.epsilon))), lr);
    return { param: tf.sub(param, step), slots: { accumulator } };
  }
}

/** `adagrad(0.1)` or `adagrad({ learningRate, initialAccumulatorValue, epsilon, … })`. */
export function adagrad(learningRateOrOptions?: LearningRate | AdagradOptions, options: AdagradOptions = {}): Adagrad {
  return new Adagrad(optionsOf("optimizers.adagrad", ADAGRAD_OPTIONS, learningRateOrOptions, options));
}
