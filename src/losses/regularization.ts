// Weight penalties over every parameter leaf (as Elegy's L1/L2Regularization and Keras' l1/l2
// regularizers): l * Σ|w| and l * Σw². They read `params` from the batch, not yTrue/yPred.
import { tf } from "../tf";
import { BatchContext } from "../contracts";
import { ElegyInputError } from "../errors";
import { TensorTree, leaves } from "../tree";
import { checkOptionKeys, optionKeys } from "../options-check";
import { Loss } from "./loss";
import { Path, selectPath } from "./select";

export interface RegularizationOptions {
  /** Multiplies the penalty (on top of the factor l). */
  weight?: number;
  /** Which part of the params tree to penalise (default: all of it). */
  on?: Path;
  name?: string;
}

export const REGULARIZATION_OPTIONS = optionKeys<RegularizationOptions>()(["weight", "on", "name"]);

export class Regularization implements Loss {
  readonly name: string;
  readonly weight: number;
  readonly on?: Path;

  constructor(
    defaultName: string,
    private readonly penalty: (param: tf.Tensor) => tf.Tensor,
    readonly l: number,
    options: RegularizationOptions,
  ) {
    checkOptionKeys("new losses.Regularization", options, REGULARIZATION_OPTIONS);
    if (!Number.isFinite(l) || l < 0) throw new ElegyInputError(`${defaultName}: the factor must be a non-negative number, got ${l}.`);
    this.name = options.name ?? defaultName;
    this.weight = options.weight ?? 1;
    this.on = options.on;
  }

  /** The penalty of a params tree, on its own. */
  call(params: TensorTree): tf.Scalar {
    const terms = leaves(selectPath(params, this.on, "params")).map((p) => tf.sum(this.penalty(tf.cast(p, "float32"))));
    const total = terms.length === 0 ? tf.scalar(0) : tf.addN(terms);
    return tf.mul(total, this.l * this.weight) as tf.Scalar;
  }

  compute(batch: BatchContext): tf.Tensor {
    if (batch.params === undefined) {
      throw new ElegyInputError(`loss '${this.name}' needs the model's params, but the batch context has none.`);
    }
    return this.call(batch.params);
  }
}

/** l * Σ w² over all params (Keras and Elegy default l = 0.01). */
export function l2Regularization(l = 0.01, options: RegularizationOptions = {}): Regularization {
  checkOptionKeys("losses.l2Regularization", options, REGULARIZATION_OPTIONS);
  return new Regularization("l2_regularization", tf.square, l, options);
}

/** l * Σ |w| over all params. */
export function l1Regularization(l = 0.01, options: RegularizationOptions = {}): Regularization {
  checkOptionKeys("losses.l1Regularization", options, REGULARIZATION_OPTIONS);
  return new Regularization("l1_regularization", tf.abs, l, options);
}
