// Issue 15.6: the init batch is not counted in the first epoch's logs. With learning rate 0
// the params never move, so fit's first-epoch logs must be evaluate's on the same data.
import test from "node:test";
import assert from "node:assert/strict";
import { Model, losses, metrics, nn, optimizers, tf } from "elegy-ts";

const ROWS = 256;

function classifier(backend: string): Model {
  return new Model({
    module: new nn.Sequential([new nn.Linear(10)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: metrics.sparseCategoricalAccuracy(),
    optimizer: optimizers.sgd(0),
    seed: 3,
    backend,
  });
}

function data(): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const x = tf.randomNormal([ROWS, 6], 0, 1, "float32", 11) as tf.Tensor2D;
  const y = tf.tensor1d(Array.from({ length: ROWS }, (_, i) => (i * 7) % 10), "int32");
  return { x, y };
}

for (const backend of ["cpu", "wasm"]) {
  test(`fit's first epoch with lr 0 reports evaluate's logs (${backend}; 256 rows, batch 32)`, async () => {
    const { x, y } = data();
    const model = classifier(backend);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0, shuffle: false });
    const evaluated = await model.evaluate(x, y, { batchSize: 32 });
    const accuracy = history.history.sparse_categorical_accuracy[0];
    // An exact count over 256 rows (the init batch counted twice gave k/288 instead).
    assert.equal(Math.round(accuracy * ROWS), accuracy * ROWS, `accuracy ${accuracy} is not a count over ${ROWS} rows`);
    assert.equal(accuracy, evaluated.sparse_categorical_accuracy);
    for (const name of ["loss", "sparse_categorical_crossentropy_loss"]) {
      assert.ok(Math.abs(history.history[name][0] - evaluated[name]) < 1e-6, `${name}: fit ${history.history[name][0]} vs evaluate ${evaluated[name]}`);
    }
    // A fresh model's first evaluate (which initializes on its first batch) counts each row once too.
    const fresh = classifier(backend);
    const first = await fresh.evaluate(x, y, { batchSize: 32 });
    assert.equal(first.sparse_categorical_accuracy, evaluated.sparse_categorical_accuracy);
    tf.dispose([x, y]);
    model.dispose();
    fresh.dispose();
  });
}

test("trainOnBatch on a fresh model reports that batch alone", async () => {
  const { x, y } = data();
  const model = classifier("cpu");
  const logs = await model.trainOnBatch(x, y);
  const evaluated = await model.evaluate(x, y, { batchSize: ROWS });
  assert.equal(logs.sparse_categorical_accuracy, evaluated.sparse_categorical_accuracy);
  tf.dispose([x, y]);
  model.dispose();
});
