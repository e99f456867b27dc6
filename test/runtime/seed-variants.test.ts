// Both forms of Elegy's seed LinearClassifier, trained on a real MNIST subset.
import test from "node:test";
import assert from "node:assert/strict";
import { datasets, optimizers, tf } from "elegy-ts";
import { LinearClassifier, LinearClassifierWithPredStep } from "../../examples/linear-classifier";

test("seed LinearClassifier, both variants: learn MNIST digits and agree with each other", async () => {
  const { train, test: held } = await datasets.mnist({ trainSize: 20000, testSize: 1000 });
  const results: Record<string, number>[] = [];
  for (const Variant of [LinearClassifier, LinearClassifierWithPredStep]) {
    const model = new Variant({ optimizer: optimizers.adam(1e-3) });
    const history = await model.fit(train.x, train.y, { epochs: 3, batchSize: 64, verbose: 0 });
    assert.ok(history.history.loss[2] < history.history.loss[0]);
    results.push(await model.evaluate(held.x, held.y, { batchSize: 64 }));
  }
  for (const logs of results) assert.ok(logs.accuracy > 0.8, `accuracy ${logs.accuracy}`);
  // Same seeded init, same shuffles, same math: the two forms train identically.
  assert.ok(Math.abs(results[0].accuracy - results[1].accuracy) < 1e-6);
  assert.ok(Math.abs(results[0].loss - results[1].loss) < 1e-4);
  const predictions = (await new LinearClassifierWithPredStep({ optimizer: optimizers.adam(1e-3) }).predict(held.x.slice(0, 5))) as tf.Tensor;
  assert.deepEqual(predictions.shape, [5, 10]);
  tf.dispose([train.x, train.y, held.x, held.y, predictions]);
});
