// An error thrown inside a step by tfjs or one's own code is rethrown as the same class with a
// first line naming the step and the call, the original kept as `cause`; elegy-ts's own errors
// pass unchanged.
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyInputError, Model, States, optimizers, predStep, tf } from "elegy-ts";
import { LinearRegressionWithPredStep, regressionData } from "../support/models";

class Picky extends Model {
  @predStep
  forward(x: tf.Tensor, states: States, initializing: boolean): [tf.Tensor, States] {
    if (!initializing && x.shape[0] === 3) throw new RangeError("three rows are not allowed");
    if (!initializing && x.shape[0] === 2) throw new ElegyInputError("two rows are refused by elegy-ts's own words");
    const w = initializing ? tf.zeros([x.shape[1]!, 1]) : (states.netParams as tf.Tensor);
    return [x.matMul(w), states.update({ netParams: w })];
  }
}

test("a tfjs error inside a step names the step and the call, keeps the original as cause and frees the batch", async () => {
  const { x, y } = regressionData(16);
  const model = new LinearRegressionWithPredStep({ optimizer: optimizers.sgd(0.1), backend: "cpu" });
  await model.fit(x, y, { verbose: 0, batchSize: 8 });
  const five = tf.randomNormal([8, 5], 0, 1, "float32", 2);
  const eight = y.slice(0, 8);
  const before = tf.memory().numTensors;
  for (const [call, run] of [["predict", () => model.predict(five)], ["fit", () => model.fit(five, eight, { verbose: 0 })]] as const) {
    const error = await run().then(() => undefined, (e: unknown) => e) as Error & { cause: Error };
    assert.ok(error instanceof Error && error.constructor === Error, `same class: ${String(error)}`);
    const step = call === "predict" ? "@predStep LinearRegressionWithPredStep.forward" : "@testStep LinearRegressionWithPredStep.test";
    assert.equal(error.message, `in ${step} (${call}):\n${error.cause.message}`);
    assert.match(error.cause.message, /^Error in matMul: inner shapes \(5\) and \(4\)/);
    assert.match(error.stack!, /^Error: in @/);
  }
  assert.equal(tf.memory().numTensors, before, "the failed steps' tensors were freed");
  tf.dispose([x, y, five, eight]);
});

test("a step's own error keeps its class; elegy-ts's errors pass unchanged", async () => {
  const model = new Picky({ backend: "cpu" });
  await model.predict(tf.ones([4, 2]));
  await assert.rejects(model.predict(tf.ones([3, 2])), (error: Error & { cause?: Error }) => {
    assert.ok(error instanceof RangeError);
    assert.equal(error.message, "in @predStep Picky.forward (predict):\nthree rows are not allowed");
    assert.equal(error.cause?.message, "three rows are not allowed");
    return true;
  });
  await assert.rejects(model.predict(tf.ones([2, 2])), { name: "ElegyInputError", message: "two rows are refused by elegy-ts's own words" });
  assert.throws(() => model.apply(tf.ones([3, 2])), { name: "RangeError", message: "in @predStep Picky.forward (apply):\nthree rows are not allowed" });
});
