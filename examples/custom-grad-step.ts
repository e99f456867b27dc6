// A custom @gradStep: the model's own test step gives the loss, this step clips the
// gradients by their global norm, and the default trainStep hands them to the optimizer.
//   elegy-ts train examples/custom-grad-step.ts
import {
  Model, States, datasets, gradStep, losses, metrics, nn, optimizers, tf, trainer, valueAndGrad,
  type Logs, type ModelOptions, type TensorTree,
} from "elegy-ts";

/** Gradients scaled so that their global L2 norm is at most maxNorm; also returns the norm before clipping. */
export function clipByGlobalNorm(grads: TensorTree, maxNorm: number): [TensorTree, tf.Scalar] {
  const leaves: tf.Tensor[] = [];
  const collect = (t: TensorTree): void => {
    if (t instanceof tf.Tensor) leaves.push(t);
    else if (t && typeof t === "object") Object.values(t).forEach(collect);
  };
  collect(grads);
  const norm = tf.sqrt(tf.addN(leaves.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
  const scale = tf.minimum(1, tf.div(maxNorm, tf.maximum(norm, 1e-12)));
  const scaleTree = (t: TensorTree): TensorTree =>
    t instanceof tf.Tensor ? tf.mul(t, scale) : Array.isArray(t) ? t.map(scaleTree) : t && typeof t === "object"
      ? Object.fromEntries(Object.entries(t).map(([k, v]) => [k, scaleTree(v as TensorTree)])) : t;
  return [scaleTree(grads), norm];
}

@trainer({
  data: async () => {
    const { train, test } = await datasets.mnist();
    const scale = (x: tf.Tensor) => tf.tidy(() => x.div(255));
    return { train: { x: scale(train.x), y: train.y }, test: { x: scale(test.x), y: test.y } };
  },
  epochs: 2,
  batchSize: 64,
})
export class ClippedMLP extends Model {
  maxNorm = 1;

  constructor(options: ModelOptions = {}) {
    super({
      module: new nn.Sequential([new nn.Flatten(), new nn.Linear(128), nn.relu, new nn.Linear(10)]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: metrics.sparseCategoricalAccuracy(),
      optimizer: optimizers.sgd(0.1),
      ...options,
    });
  }

  @gradStep
  clippedGrads(states: States): [tf.Scalar, Logs, States, TensorTree] {
    const { value, grads, aux } = valueAndGrad((netParams) => {
      const [loss, logs, next] = this.runStep("testStep", { states: states.update({ netParams }) });
      return [loss, { logs, next }];
    }, states.netParams);
    const [clipped, norm] = clipByGlobalNorm(grads, this.maxNorm);
    return [value, { ...aux.logs, grad_norm: norm }, aux.next, clipped];
  }
}
