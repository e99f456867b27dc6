// Linear, Flatten, Sequential and activations: shapes, values, seeding, gradients, memory.
import test from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/tf";
import * as nn from "../../src/nn";
import { RNG } from "../../src/states";
import { leafPaths, leaves, unflatten } from "../../src/tree";
import { assertClose, assertNoLeak, useCpu } from "../losses/support";

test.before(useCpu);

const ctx = (training = false) => ({ training, rng: new RNG(1) });

test("Linear: kernel [in, units] and zero bias; y = x·kernel + bias; Glorot uniform limits", () => {
  assertNoLeak(() => tf.tidy(() => {
    const layer = new nn.Linear(4);
    const x = tf.randomNormal([3, 50], 0, 1, "float32", 7);
    const { params } = layer.init(new RNG(0), x);
    const p = params as { kernel: tf.Tensor; bias: tf.Tensor };
    assert.deepEqual(p.kernel.shape, [50, 4]);
    assertClose(p.bias, [0, 0, 0, 0]);
    const limit = Math.sqrt(6 / (50 + 4));
    assert.ok(tf.max(tf.abs(p.kernel)).dataSync()[0] <= limit);
    const [y] = layer.apply({ kernel: p.kernel, bias: tf.tensor1d([1, 2, 3, 4]) }, {}, x, ctx());
    assertClose(y as tf.Tensor, tf.add(tf.matMul(x, p.kernel), tf.tensor1d([1, 2, 3, 4])), 1e-5);
    // Rank-3 input: applied to the last axis.
    const [y3] = layer.apply(params, {}, tf.reshape(x, [3, 1, 50]), ctx());
    assert.deepEqual((y3 as tf.Tensor).shape, [3, 1, 4]);
  }));
});

test("init is deterministic in the rng seed and differs across seeds", () => {
  tf.tidy(() => {
    const x = tf.zeros([2, 5]);
    const a = new nn.Linear(3).init(new RNG(42), x).params as { kernel: tf.Tensor };
    const b = new nn.Linear(3).init(new RNG(42), x).params as { kernel: tf.Tensor };
    const c = new nn.Linear(3).init(new RNG(43), x).params as { kernel: tf.Tensor };
    assertClose(a.kernel, b.kernel, 0);
    assert.ok(tf.max(tf.abs(tf.sub(a.kernel, c.kernel))).dataSync()[0] > 1e-3);
  });
});

test("Sequential (docs/guide.md MLP): params keyed by unique layer names, output shape, forward equals manual", () => {
  assertNoLeak(() => tf.tidy(() => {
    const model = new nn.Sequential([new nn.Flatten(), new nn.Linear(30), nn.relu, new nn.Linear(20), nn.relu, new nn.Linear(10)]);
    const x = tf.randomUniform([5, 4, 7], 0, 1, "float32", 3);
    const { params, states } = model.init(new RNG(42), x);
    assert.deepEqual(leafPaths(params).map(([p, t]) => `${p}:${t.shape.join("x")}`), [
      "linear/bias:30", "linear/kernel:28x30", "linear_1/bias:20", "linear_1/kernel:30x20", "linear_2/bias:10", "linear_2/kernel:20x10",
    ]);
    const [y, nextStates] = model.apply(params, states, x, ctx());
    assert.equal(nextStates, states, "no state changed, the same object comes back");
    const p = params as Record<string, { kernel: tf.Tensor; bias: tf.Tensor }>;
    const manual = [p.linear, p.linear_1, p.linear_2].reduce(
      (h: tf.Tensor, l, i) => (i < 2 ? tf.relu : (t: tf.Tensor) => t)(tf.add(tf.matMul(h, l.kernel), l.bias)),
      tf.reshape(x, [5, 28]),
    );
    assertClose(y as tf.Tensor, manual, 1e-5);
  }));
});

test("gradients flow from a Sequential's output to every param leaf", () => {
  tf.tidy(() => {
    const model = new nn.Sequential([new nn.Linear(8), nn.gelu, new nn.Linear(1)]);
    const x = tf.randomNormal([6, 3], 0, 1, "float32", 1);
    const { params, states } = model.init(new RNG(0), x);
    const { grads } = tf.valueAndGrads((...ls: tf.Tensor[]) => tf.mean(model.apply(unflatten(params, ls), states, x, ctx())[0] as tf.Tensor) as tf.Scalar)(leaves(params));
    assert.equal(grads.length, 4);
    for (const g of grads) assert.ok(tf.sum(tf.abs(g)).dataSync()[0] > 0);
  });
});

test("Sequential rejects what is neither module nor activation", () => {
  assert.throws(() => new nn.Sequential([new nn.Linear(2), 3 as unknown as nn.Layer]), /layer 1 is neither a module/);
});

test("activations match their definitions", () => {
  tf.tidy(() => {
    const x = tf.tensor1d([-2, -0.5, 0, 0.5, 3]);
    assertClose(nn.relu(x), [0, 0, 0, 0.5, 3]);
    // Exact GELU at known points: x·Φ(x).
    const phi = (v: number) => 0.5 * (1 + erf(v / Math.SQRT2));
    assertClose(nn.gelu(x), [-2, -0.5, 0, 0.5, 3].map((v) => v * phi(v)), 1e-5);
    assertClose(nn.sigmoid(x), [-2, -0.5, 0, 0.5, 3].map((v) => 1 / (1 + Math.exp(-v))), 1e-6);
    assertClose(nn.tanh(x), [-2, -0.5, 0, 0.5, 3].map(Math.tanh), 1e-6);
    assertClose(tf.sum(nn.softmax(tf.tensor2d([[1, 2, 3]]))), 1, 1e-6);
    assert.equal(nn.relu.name, "relu");
  });
});

/** Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(v: number): number {
  const s = Math.sign(v);
  const a = Math.abs(v);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

