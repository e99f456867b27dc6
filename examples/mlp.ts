// Elegy's high-level form: no overrides, just a module, losses, metrics and an optimizer.
//   node bin/elegy-ts.js build examples/mlp.ts --out-dir dist/demo && node dist/demo/mlp.js
import { Model, datasets, losses, metrics, nn, optimizers, tf } from "elegy-ts";

export function mlpModel(seed = 42): Model {
  return new Model({
    module: new nn.Sequential([
      new nn.Flatten(), new nn.Linear(300), nn.relu, new nn.Linear(100), nn.relu, new nn.Linear(10),
    ]),
    loss: [losses.sparseCategoricalCrossentropy({ fromLogits: true }), losses.l2Regularization(1e-4)],
    metrics: metrics.sparseCategoricalAccuracy(),
    optimizer: optimizers.adam(1e-3),
    seed,
  });
}

/** Pixels scaled to [0, 1]. */
export function scaled(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => x.div(255));
}

async function main(): Promise<void> {
  const { train, test } = await datasets.mnist();
  const model = mlpModel();
  await model.fit(scaled(train.x), train.y, { epochs: 3, batchSize: 64 });
  console.log("test", JSON.stringify(await model.evaluate(scaled(test.x), test.y, { batchSize: 256 })));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
