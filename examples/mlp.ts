// Elegy's high-level form: no overrides, just a module, losses, metrics and an optimizer.
//   elegy-ts train examples/mlp.ts            (≥ 0.97 test accuracy in 3 epochs)
import { Model, datasets, losses, metrics, nn, optimizers, tf, trainer, type ModelOptions } from "elegy-ts";

/** Pixels scaled to [0, 1]. */
export function scaled(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.div(255));
}

/** MNIST with pixels in [0, 1]. */
export async function mnistScaled() {
  const { train, test } = await datasets.mnist();
  return { train: { x: scaled(train.x), y: train.y }, test: { x: scaled(test.x), y: test.y } };
}

/** The MLP 784-300-100-10 of docs/guide.md, as a class so the trainer can build it. */
@trainer({ data: mnistScaled, epochs: 3, batchSize: 64 })
export class MLP extends Model {
  constructor(options: ModelOptions = {}) {
    super({
      module: new nn.Sequential([
        new nn.Flatten(), new nn.Linear(300), nn.relu, new nn.Linear(100), nn.relu, new nn.Linear(10),
      ]),
      loss: [losses.sparseCategoricalCrossentropy({ fromLogits: true }), losses.l2Regularization(1e-4)],
      metrics: metrics.sparseCategoricalAccuracy(),
      optimizer: optimizers.adam(1e-3),
      ...options,
    });
  }
}

export function mlpModel(seed = 42): Model {
  return new MLP({ seed });
}
