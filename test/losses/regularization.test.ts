// L1/L2 regularization over a params tree.
import test from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/tf";
import * as losses from "../../src/losses";
import { assertClose, useCpu, value } from "./support";

test.before(useCpu);

const params = () => ({ a: { kernel: tf.tensor2d([[1, -2], [3, 0]]), bias: tf.tensor1d([0.5]) }, b: [tf.tensor1d([-1])] });

test("l2Regularization = l·Σw² and l1Regularization = l·Σ|w| over every leaf; Keras/Elegy default l = 0.01", () => {
  assertClose(value(() => losses.l2Regularization().call(params())), 0.01 * (1 + 4 + 9 + 0.25 + 1), 1e-7);
  assertClose(value(() => losses.l2Regularization(0.5).call(params())), 0.5 * 15.25, 1e-6);
  assertClose(value(() => losses.l1Regularization(0.1).call(params())), 0.1 * (1 + 2 + 3 + 0.5 + 1), 1e-6);
  assertClose(value(() => losses.l2Regularization(0.5, { weight: 2 }).call(params())), 15.25, 1e-6);
  assertClose(value(() => losses.l2Regularization(1, { on: "a" }).call(params())), 14.25, 1e-6);
  assert.equal(losses.l2Regularization().name, "l2_regularization");
});

test("in an aggregate it reads the params of the batch and says so when they are missing", () => {
  tf.tidy(() => {
    const agg = losses.makeLossAggregate(losses.l1Regularization(1));
    assertClose(agg.update(agg.init(), { yTrue: tf.zeros([2]), yPred: tf.zeros([2]), params: params() }).loss, 7.5, 1e-6);
    assert.throws(() => agg.update(agg.init(), { yTrue: tf.zeros([2]), yPred: tf.zeros([2]) }), /needs the model's params/);
  });
});
