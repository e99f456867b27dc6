// fit's classWeight weighs the training loss only, as Keras' class_weight does: the validation
// logs of a fit are what evaluate gives on the same data, with or without classWeight.
import test from "node:test";
import assert from "node:assert/strict";
import { Model, losses, metrics, nn, optimizers, tf } from "elegy-ts";

function classifier(): Model {
  // Learning rate 0: the params stay as initialized, so two fits validate the same model.
  return new Model({
    module: new nn.Linear(3),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: [metrics.sparseCategoricalAccuracy()],
    optimizer: optimizers.sgd(0),
    backend: "cpu",
    seed: 7,
  });
}

test("fit's classWeight weighs the training loss, not the validation loss: val_ logs equal evaluate's, with and without it", async () => {
  const x = tf.randomNormal([24, 4], 0, 1, "float32", 3);
  const y = tf.tensor1d([...Array(24).keys()].map((i) => i % 3), "int32");
  const xv = tf.randomNormal([12, 4], 0, 1, "float32", 4);
  const yv = tf.tensor1d([...Array(12).keys()].map((i) => (i * 2) % 3), "int32");
  const fitOptions = { epochs: 1, batchSize: 8, verbose: 0 as const, shuffle: false, validationData: [xv, yv] as [tf.Tensor, tf.Tensor] };

  const plain = classifier();
  const unweighted = (await plain.fit(x, y, fitOptions)).history;
  const expected = await plain.evaluate(xv, yv, { batchSize: 8, verbose: 0 });
  const before = tf.memory().numTensors;
  const weighted = classifier();
  const withWeights = (await weighted.fit(x, y, { ...fitOptions, classWeight: { 0: 0.1, 1: 1, 2: 10 } })).history;

  assert.notEqual(withWeights.loss[0], unweighted.loss[0], "the class weights do weigh the training loss");
  assert.equal(withWeights.val_loss[0], unweighted.val_loss[0]);
  assert.equal(withWeights.val_sparse_categorical_accuracy[0], unweighted.val_sparse_categorical_accuracy[0]);
  assert.equal(withWeights.val_loss[0], expected.loss);
  weighted.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor left behind by the weighted fit");
  plain.dispose();
  tf.dispose([x, y, xv, yv]);
});
