// A hyperparameter sweep of an MLP on an MNIST subset: learning rate, width and seed, 12 trials
// of random search ranked by validation loss.
//   elegy-ts sweep examples/mlp-sweep.ts                    (on this machine, a trial per core)
//   elegy-ts sweep examples/mlp-sweep.ts --queue redis://localhost:6379/mlp-sweep
//   elegy-ts worker --queue redis://localhost:6379/mlp-sweep (on each machine that helps)
//   elegy-ts train examples/mlp-sweep.ts                    (one ordinary run with the defaults)
import { Model, datasets, losses, metrics, nn, optimizers, tf, trainer, type ModelOptions } from "elegy-ts";

/** 5,000 MNIST digits: 4,000 to train on, 1,000 to rank the trials by; 1,000 test digits. */
export async function mnistSubset() {
  const { train, test } = await datasets.mnist({ trainSize: 5000, testSize: 1000 });
  const x = tf.tidy(() => train.x.div(255));
  return {
    train: { x: x.slice(0, 4000), y: train.y.slice(0, 4000) },
    validation: { x: x.slice(4000), y: train.y.slice(4000) },
    test: { x: tf.tidy(() => test.x.div(255)), y: test.y },
  };
}

/** What a trial may set: the swept values arrive here as constructor options. */
export interface MLPSweepOptions extends ModelOptions {
  hidden?: number;
  learningRate?: number;
}

@trainer({
  data: mnistSubset,
  epochs: 2,
  batchSize: 64,
  sweep: { learningRate: { logUniform: [1e-4, 1e-2] }, hidden: [64, 128, 256], seed: { range: 3 } },
  trials: 12,
  objective: "val_loss",
})
export class MLPSweep extends Model {
  constructor({ hidden = 128, learningRate = 1e-3, ...options }: MLPSweepOptions = {}) {
    super({
      module: new nn.Sequential([new nn.Flatten(), new nn.Linear(hidden), nn.relu, new nn.Linear(10)]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: metrics.sparseCategoricalAccuracy(),
      optimizer: optimizers.adam(learningRate),
      ...options,
    });
  }
}
