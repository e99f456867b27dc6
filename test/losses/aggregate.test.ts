// makeLossAggregate: total loss, log names, running means over batches of different sizes.
import test from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/tf";
import * as losses from "../../src/losses";
import { isRunning } from "../../src/logs";
import { TensorTree, leaves } from "../../src/tree";
import { assertClose, assertNoLeak, tidy, useCpu } from "./support";

test.before(useCpu);

const params = () => ({ linear: { kernel: tf.tensor2d([[1, -2], [0.5, 0]]), bias: tf.tensor1d([0.1, 0.2]) } });

test("the docs/guide.md pair: total = crossentropy + l2; logs loss, <name>_loss; all running means by batch size", () => {
  assertNoLeak(() => {
    const agg = losses.makeLossAggregate([losses.sparseCategoricalCrossentropy({ fromLogits: true }), losses.l2Regularization(1e-2)]);
    const batches = [
      { y: [0, 1, 1], p: [[2, 0], [0, 1], [1, 1]] },
      { y: [1], p: [[3, -1]] },
    ];
    let state: TensorTree = tidy(() => agg.init());
    const seen: Array<{ ce: number; l2: number; size: number }> = [];
    for (const b of batches) {
      const out = tidy(() => {
        const r = agg.update(state, { yTrue: tf.tensor1d(b.y, "int32"), yPred: tf.tensor2d(b.p), params: params() });
        assert.deepEqual(Object.keys(r.logs).sort(), ["l2_regularization_loss", "loss", "sparse_categorical_crossentropy_loss"]);
        for (const v of Object.values(r.logs)) assert.ok(isRunning(v), "every log value is marked running");
        const ce = tf.tidy(() => losses.sparseCategoricalCrossentropy({ fromLogits: true }).call(tf.tensor1d(b.y, "int32"), tf.tensor2d(b.p))).dataSync()[0];
        const l2 = 1e-2 * (1 + 4 + 0.25 + 0 + 0.01 + 0.04);
        seen.push({ ce, l2, size: b.y.length });
        assertClose(r.loss, ce + l2, 1e-6, "batch loss");
        const mean = (f: (s: { ce: number; l2: number }) => number) => seen.reduce((a, s) => a + f(s) * s.size, 0) / seen.reduce((a, s) => a + s.size, 0);
        assertClose(r.logs.loss as tf.Tensor, mean((s) => s.ce + s.l2), 1e-6, "loss");
        assertClose(r.logs.sparse_categorical_crossentropy_loss as tf.Tensor, mean((s) => s.ce), 1e-6, "ce");
        assertClose(r.logs.l2_regularization_loss as tf.Tensor, mean((s) => s.l2), 1e-6, "l2");
        return r.state;
      });
      tf.dispose(leaves(state));
      state = out;
    }
    tf.dispose(leaves(state));
  });
});

test("names: record keys name the logs; repeated names get _1; a lone loss logs loss and its own name", () => {
  tf.tidy(() => {
    const yTrue = tf.tensor2d([[1], [2]]);
    const yPred = tf.tensor2d([[1.5], [1]]);
    const byKey = losses.makeLossAggregate({ reconstruction: losses.meanSquaredError(), sparsity: losses.meanAbsoluteError() });
    assert.deepEqual(Object.keys(byKey.update(byKey.init(), { yTrue, yPred }).logs).sort(), ["loss", "reconstruction_loss", "sparsity_loss"]);
    const twice = losses.makeLossAggregate([losses.meanSquaredError(), losses.meanSquaredError({ weight: 2 })]);
    const r = twice.update(twice.init(), { yTrue, yPred });
    assert.deepEqual(Object.keys(r.logs).sort(), ["loss", "mean_squared_error_1_loss", "mean_squared_error_loss"]);
    assertClose(r.loss, 3 * ((0.25 + 1) / 2), 1e-6);
    const lone = losses.makeLossAggregate(losses.meanSquaredError());
    assert.deepEqual(Object.keys(lone.update(lone.init(), { yTrue, yPred }).logs).sort(), ["loss", "mean_squared_error_loss"]);
  });
});

test("the loss a gradient is taken of flows back to the params", () => {
  tf.tidy(() => {
    const agg = losses.makeLossAggregate(losses.l2Regularization(0.5));
    const w = tf.tensor1d([1, -3]);
    const g = tf.grad((p: tf.Tensor) => agg.update(agg.init(), { yTrue: tf.zeros([1]), yPred: tf.zeros([1]), params: { w: p } }).loss)(w);
    assertClose(g, [1, -3], 1e-6); // d/dw 0.5 Σ w² = w
  });
});

test("plain functions are losses too (named after the function or the record key); anything else is refused clearly", () => {
  tf.tidy(() => {
    const yTrue = tf.tensor2d([[1], [3]]);
    const yPred = tf.tensor2d([[2], [1]]);
    const absoluteGap = (t: tf.Tensor, p: tf.Tensor) => tf.abs(tf.sub(t, p));
    const agg = losses.makeLossAggregate([absoluteGap, losses.meanSquaredError()]);
    const r = agg.update(agg.init(), { yTrue, yPred });
    assert.deepEqual(Object.keys(r.logs).sort(), ["absolute_gap_loss", "loss", "mean_squared_error_loss"]);
    assertClose(r.logs.absolute_gap_loss as tf.Tensor, 1.5, 1e-6);
    const keyed = losses.makeLossAggregate({ gap: (t: tf.Tensor, p: tf.Tensor) => tf.abs(tf.sub(t, p)) });
    assert.deepEqual(Object.keys(keyed.update(keyed.init(), { yTrue, yPred }).logs).sort(), ["gap_loss", "loss"]);
    assert.throws(() => losses.makeLossAggregate([losses.meanSquaredError(), 3 as never]), /loss at index 1 is not a loss/);
    assert.throws(() => losses.makeLossAggregate({ a: "mse" as never }), /loss 'a' is not a loss/);
    assert.throws(() => losses.makeLossAggregate([]), /at least one loss/);
  });
});
