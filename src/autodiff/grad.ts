// Value and gradient of a function of a parameter tree, with auxiliary outputs (JAX's
// value_and_grad(has_aux=True)): the function returns [loss, aux]; aux (logs, new states…)
// survives, although tf.valueAndGrads frees everything its function creates.
import { tf } from "../tf";
import { ElegyInputError, ElegyStepResultError } from "../errors";
import { keepAlive } from "./step-scope";
import { TensorTree, leaves, unflatten } from "../tree";

export interface ValueAndGradNames {
  /** What the loss is, for messages ("the loss of the test step"). */
  loss?: string;
  /** What the parameters are ("states.netParams"). */
  params?: string;
}

export function valueAndGrad<Aux>(
  fn: (params: TensorTree) => [tf.Scalar, Aux],
  params: TensorTree,
  names: ValueAndGradNames = {},
): { value: tf.Scalar; grads: TensorTree; aux: Aux } {
  const lossName = names.loss ?? "The loss";
  const paramsName = names.params ?? "the parameters it is differentiated against";
  const flat = leaves(params);
  if (flat.length === 0) throw new ElegyInputError(`valueAndGrad: ${paramsName} holds no tensors, so there is nothing to differentiate.`);
  let aux: Aux | undefined;
  const lossOf = (...paramLeaves: tf.Tensor[]): tf.Scalar => {
    const [loss, extra] = fn(unflatten(params, paramLeaves));
    aux = keepAlive(extra);
    return loss;
  };
  try {
    const { value, grads } = tf.valueAndGrads(lossOf)(flat);
    return { value: value as tf.Scalar, grads: unflatten(params, grads), aux: aux as Aux };
  } catch (error) {
    // Only tfjs's "nothing connects x to y" means the loss ignores the parameters.
    if (error instanceof Error && /Cannot compute gradient of y=f\(x\)/.test(error.message)) {
      throw new ElegyStepResultError(
        `${lossName} does not depend on ${paramsName}, so it has no gradient. ` +
          `Compute the loss from the parameters in the states you are given (not from tensors created elsewhere). tfjs said: ${error.message}`,
      );
    }
    throw error;
  }
}
