// SGD with optional momentum and Nesterov momentum, as tf.train.sgd / tf.train.momentum:
// accumulation = momentum * accumulation + grad; param -= lr * accumulation
// (Nesterov: param -= lr * (grad + momentum * accumulation)).
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { LeafUpdate, OPTIMIZER_OPTIONS, OptimizerOptions, SlotOptimizer, optionsOf } from "./optimizer";
import { checkOptionKeys, optionKeys } from "../options-check";
import { LearningRate } from "./schedules";

export interface SGDOptions extends OptimizerOptions {
  momentum?: number;
  nesterov?: boolean;
}

export const SGD_OPTIONS = optionKeys<SGDOptions>()([...OPTIMIZER_OPTIONS, "momentum", "nesterov"]);

export class SGD extends SlotOptimizer {
  private readonly momentum: number;
  private readonly nesterov: boolean;

  constructor(options: SGDOptions = {}) {
    if (new.target === SGD) checkOptionKeys("new optimizers.SGD", options, SGD_OPTIONS);
    const momentum = options.momentum ?? 0;
    if (!(momentum >= 0 && momentum < 1)) throw new ElegyInputError(`sgd momentum must be in [0, 1), got ${momentum}.`);
    // Plain SGD keeps no slots at all.
    super("sgd", options, 0.01, momentum > 0 ? ["momentum"] : []);
    this.momentum = momentum;
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && momentum === 0) throw new ElegyInputError("sgd: nesterov needs a momentum > 0.");
  }

  protected initSlot(_slot: string, param: tf.Tensor): tf.Tensor {
    return tf.zerosLike(param);
  }

  protected updateLeaf({ param, grad, slots, lr }: LeafUpdate): { param: tf.Tensor; slots: Record<string, tf.Tensor> } {
    if (this.momentum === 0) return { param: tf.sub(param, tf.mul(lr, grad)), slots: {} };
    const accumulation = tf.add(tf.mul(this.momentum, slots.momentum), grad);
    const direction = this.nesterov ? tf.add(grad, tf.mul(accumulation, this.momentum)) : accumulation;
    return { param: tf.sub(param, tf.mul(lr, direction)), slots: { momentum: accumulation } };
  }
}

/** `sgd(0.1)` or `sgd({ learningRate, momentum, nesterov, clipNorm, … })`; Keras default lr 0.01. */
export function sgd(learningRateOrOptions?: LearningRate | SGDOptions, options: SGDOptions = {}): SGD {
  return new SGD(optionsOf("optimizers.sgd", SGD_OPTIONS, learningRateOrOptions, options));
}
