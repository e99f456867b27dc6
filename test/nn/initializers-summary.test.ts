// Initializers' statistics and the summary table.
import test from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/tf";
import * as nn from "../../src/nn";
import { assertNoLeak, useCpu } from "../losses/support";

test.before(useCpu);

test("initializers: fans, variance and seeding follow Keras", () => {
  assert.deepEqual(nn.initializers.fans([3, 3, 16, 32]), { fanIn: 144, fanOut: 288 });
  tf.tidy(() => {
    const std = (t: tf.Tensor) => Math.sqrt(tf.moments(t).variance.dataSync()[0]);
    const he = nn.initializers.heNormal()([400, 300], 1);
    assert.ok(Math.abs(std(he) - Math.sqrt(2 / 400)) / Math.sqrt(2 / 400) < 0.03, `he std ${std(he)}`);
    const glorot = nn.initializers.glorotNormal()([400, 300], 1);
    assert.ok(Math.abs(std(glorot) - Math.sqrt(2 / 700)) / Math.sqrt(2 / 700) < 0.03);
    const heU = nn.initializers.heUniform()([400, 300], 2);
    assert.ok(tf.max(tf.abs(heU)).dataSync()[0] <= Math.sqrt(6 / 400));
    const a = nn.initializers.glorotUniform()([5, 5], 9).dataSync();
    const b = nn.initializers.glorotUniform()([5, 5], 9).dataSync();
    assert.deepEqual(Array.from(a), Array.from(b));
  });
});

test("summary: one row per layer with Keras-style output shapes and exact parameter counts", () => {
  assertNoLeak(() => {
    const model = new nn.Sequential([new nn.Flatten(), new nn.Linear(300), nn.relu, new nn.Linear(100), nn.relu, new nn.BatchNorm(), new nn.Linear(10)]);
    const x = tf.zeros([2, 28, 28]);
    const rows = nn.summaryRows(model, x);
    assert.deepEqual(rows.map((r) => [r.name, r.kind, r.outputShape, r.params]), [
      ["flatten", "Flatten", "(None, 784)", 0],
      ["linear", "Linear", "(None, 300)", 784 * 300 + 300],
      ["relu", "activation", "(None, 300)", 0],
      ["linear_1", "Linear", "(None, 100)", 300 * 100 + 100],
      ["relu", "activation", "(None, 100)", 0],
      ["batch_norm", "BatchNorm", "(None, 100)", 200],
      ["linear_2", "Linear", "(None, 10)", 1010],
    ]);
    const text = nn.summary(model, x);
    assert.match(text, /Total params: 266,810/);
    assert.match(text, /Non-trainable values \(netStates\): 200/);
    assert.match(text, /linear_1 \(Linear\)\s+\(None, 100\)\s+30,100/);
    x.dispose();
  });
});
