// Dropout (seeded by ctx.rng, identity when not training) and BatchNorm (against tfjs-layers;
// running statistics move only while training).
import test from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/tf";
import * as nn from "../../src/nn";
import { RNG } from "../../src/states";
import { assertClose, assertNoLeak, useCpu } from "../losses/support";

test.before(useCpu);

test("Dropout: identity when not training; when training, zeros ≈ rate, survivors scaled by 1/(1−rate), reproducible from the rng", () => {
  assertNoLeak(() => tf.tidy(() => {
    const drop = new nn.Dropout(0.3);
    const x = tf.ones([200, 50]);
    const [same] = drop.apply({}, {}, x, { training: false, rng: new RNG(0) });
    assert.equal(same, x);
    const [y] = drop.apply({}, {}, x, { training: true, rng: new RNG(7) });
    const values = (y as tf.Tensor).dataSync();
    const zeros = values.filter((v) => v === 0).length / values.length;
    assert.ok(Math.abs(zeros - 0.3) < 0.02, `dropped fraction ${zeros}`);
    assert.ok(values.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-6));
    const [again] = drop.apply({}, {}, x, { training: true, rng: new RNG(7) });
    assertClose(again as tf.Tensor, y as tf.Tensor, 0);
    // The same generator advances: the next call draws a different mask.
    const rng = new RNG(7);
    const [first] = drop.apply({}, {}, x, { training: true, rng });
    const [second] = drop.apply({}, {}, x, { training: true, rng });
    assert.ok(tf.sum(tf.abs(tf.sub(first as tf.Tensor, second as tf.Tensor))).dataSync()[0] > 0);
  }));
});

test("BatchNorm in training equals tf.layers.batchNormalization (output and moving statistics)", () => {
  assertNoLeak(() => tf.tidy(() => {
    const x = tf.add(tf.mul(tf.randomNormal([16, 5], 0, 1, "float32", 3), 2), 1);
    const bn = new nn.BatchNorm({ momentum: 0.9 });
    const { params, states } = bn.init(new RNG(0), x);
    const gamma = tf.tensor1d([1, 2, 0.5, 1, 3]);
    const beta = tf.tensor1d([0, 1, -1, 0.5, 0]);
    const [y, next] = bn.apply({ gamma, beta }, states, x, { training: true, rng: new RNG(0) });
    const layer = tf.layers.batchNormalization({ momentum: 0.9 });
    layer.apply(tf.zeros([1, 5])); // build
    layer.setWeights([gamma, beta, tf.zeros([5]), tf.ones([5])]);
    const theirs = layer.apply(x, { training: true }) as tf.Tensor;
    assertClose(y as tf.Tensor, theirs, 1e-4);
    const [, , movingMean, movingVariance] = layer.getWeights();
    const n = next as { moving_mean: tf.Tensor; moving_variance: tf.Tensor };
    assertClose(n.moving_mean, movingMean, 1e-5);
    assertClose(n.moving_variance, movingVariance, 1e-5);
    // Inference uses the moving statistics and leaves the states as they are.
    const [inferred, unchanged] = bn.apply({ gamma, beta }, next, x, { training: false, rng: new RNG(0) });
    assert.equal(unchanged, next);
    layer.setWeights([gamma, beta, n.moving_mean, n.moving_variance]);
    assertClose(inferred as tf.Tensor, layer.apply(x, { training: false }) as tf.Tensor, 1e-4);
    assert.deepEqual(Object.keys(params as object).sort(), ["beta", "gamma"]);
    layer.dispose();
  }));
});

test("BatchNorm over channels of images (axis −1), and its states travel through Sequential only when training", () => {
  tf.tidy(() => {
    const model = new nn.Sequential([new nn.Conv2D(3, 3), new nn.BatchNorm(), nn.relu]);
    const x = tf.randomNormal([4, 6, 6, 2], 0, 1, "float32", 1);
    const { params, states } = model.init(new RNG(0), x);
    assert.deepEqual(Object.keys(states as object).sort(), ["batch_norm", "conv2d"]);
    const [, inference] = model.apply(params, states, x, { training: false, rng: new RNG(0) });
    assert.equal(inference, states);
    const [, trained] = model.apply(params, states, x, { training: true, rng: new RNG(0) });
    assert.notEqual(trained, states);
    const mean = (trained as { batch_norm: { moving_mean: tf.Tensor } }).batch_norm.moving_mean;
    assert.deepEqual(mean.shape, [3]);
    assert.ok(tf.sum(tf.abs(mean)).dataSync()[0] > 0);
  });
});

test("MLP: Linear sizes with activations between (not after the last unless activateFinal)", () => {
  tf.tidy(() => {
    const mlp = new nn.MLP([8, 4, 2]);
    const x = tf.randomNormal([3, 5], 0, 1, "float32", 2);
    const { params, states } = mlp.init(new RNG(0), x);
    assert.deepEqual(Object.keys(params as object), ["linear", "linear_1", "linear_2"]);
    const [y] = mlp.apply(params, states, x, { training: false, rng: new RNG(0) });
    assert.ok(tf.min(y as tf.Tensor).dataSync()[0] < 0 || tf.max(y as tf.Tensor).dataSync()[0] > 0);
    const final = new nn.MLP([8, 2], { activateFinal: true });
    const created = final.init(new RNG(0), x);
    const [z] = final.apply(created.params, created.states, tf.mul(x, -10), { training: false, rng: new RNG(0) });
    assert.ok(tf.min(z as tf.Tensor).dataSync()[0] >= 0, "relu after the last layer");
  });
});
