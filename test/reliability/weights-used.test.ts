// Sample and class weights reach a step only through its parameters. A model whose own
// @testStep computes the loss without asking for the weights given would train (or evaluate)
// as if none were given: refused before anything runs, naming the steps and the fix.
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyInputError, Model, States, losses, optimizers, testStep, tf, type Logs } from "elegy-ts";
import { LinearRegression, regressionData } from "../support/models";

const mse = losses.meanSquaredError();

/** Asks for sampleWeight only, and passes it to the loss. */
class SampleWeighted extends Model {
  @testStep
  test(x: tf.Tensor, yTrue: tf.Tensor, sampleWeight: tf.Tensor | undefined, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
    const w = initializing ? tf.zeros([x.shape[1]!, 1]) : (states.netParams as tf.Tensor);
    const loss = mse.call(yTrue, x.matMul(w).reshape([-1]), sampleWeight) as tf.Scalar;
    return [loss, { loss }, states.update({ netParams: w })];
  }
}

test("weights: a model whose own testStep does not ask for them refuses classWeight and sampleWeight before training", async () => {
  const { x, y } = regressionData(32);
  const model = new LinearRegression({ optimizer: optimizers.sgd(0.1), backend: "cpu" });
  const before = tf.memory().numTensors;
  await assert.rejects(model.fit(x, y, { verbose: 0, classWeight: { 0: 2 } }), (e: Error) => {
    assert.ok(e instanceof ElegyInputError);
    assert.equal(
      e.message,
      "fit(): classWeight was given, but no step of LinearRegression takes it, so it would be ignored: " +
        "LinearRegression.test (@testStep) does not ask for classWeight. Add a classWeight parameter to LinearRegression.test " +
        "and pass it to the loss (loss.call(yTrue, yPred, sampleWeight, classWeight)), or leave it out.",
    );
    return true;
  });
  const weights = tf.ones([32]);
  await assert.rejects(model.fit(x, y, { verbose: 0, sampleWeight: weights }), /^ElegyInputError: fit\(\): sampleWeight was given, but no step of LinearRegression takes it/);
  await assert.rejects(model.evaluate(x, y, { verbose: 0, sampleWeight: weights }), /^ElegyInputError: evaluate\(\): sampleWeight was given/);
  await assert.rejects(model.trainOnBatch(x, y, { sampleWeight: weights }), /^ElegyInputError: trainOnBatch\(\): sampleWeight was given/);
  assert.equal(model.initialized, false, "nothing ran");
  assert.equal(tf.memory().numTensors, before + 1);
  // Without weights it trains as before.
  await model.fit(x, y, { verbose: 0 });
  tf.dispose([x, y, weights]);
  model.dispose();
});

test("weights: a step that asks for sampleWeight gets it (zero weights: nothing learnt); classWeight is refused, as its own injectable", async () => {
  const { x, y } = regressionData(32);
  const zeros = tf.zeros([32]);
  const model = new SampleWeighted({ optimizer: optimizers.sgd(0.1), backend: "cpu" });
  await model.fit(x, y, { verbose: 0, sampleWeight: zeros, shuffle: false });
  const w = model.states.netParams as tf.Tensor;
  assert.deepEqual(Array.from(w.dataSync()), [0, 0, 0, 0], "zero sample weights: a zero gradient");
  await assert.rejects(model.fit(x, y, { verbose: 0, classWeight: [1, 1] }), (e: Error) => {
    assert.equal(
      e.message,
      "fit(): classWeight was given, but no step of SampleWeighted takes it, so it would be ignored: SampleWeighted.test (@testStep) " +
        "does not ask for classWeight. It asks for sampleWeight, but class weights come as their own injectable (Keras folds them " +
        "into the sample weights; elegy-ts leaves that to the step). Add a classWeight parameter to SampleWeighted.test and pass it " +
        "to the loss (loss.call(yTrue, yPred, sampleWeight, classWeight)), or leave it out.",
    );
    return true;
  });
  tf.dispose([x, y, zeros]);
  model.dispose();
});
