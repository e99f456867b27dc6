// Conv2D and pooling against tfjs-layers given the same weights.
import test from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/tf";
import * as nn from "../../src/nn";
import { RNG } from "../../src/states";
import { assertClose, assertNoLeak, useCpu } from "../losses/support";

test.before(useCpu);

const ctx = { training: false, rng: new RNG(0) };

for (const [padding, strides] of [["valid", 1], ["same", 2]] as const) {
  test(`Conv2D (padding ${padding}, strides ${strides}) equals tf.layers.conv2d with the same weights`, () => {
    assertNoLeak(() => tf.tidy(() => {
      const x = tf.randomNormal([2, 7, 6, 3], 0, 1, "float32", 5);
      const conv = new nn.Conv2D(4, [3, 2], { strides, padding });
      const { params } = conv.init(new RNG(1), x);
      const p = params as { kernel: tf.Tensor; bias: tf.Tensor };
      assert.deepEqual(p.kernel.shape, [3, 2, 3, 4]);
      const bias = tf.tensor1d([0.1, -0.2, 0.3, 0]);
      const [ours] = conv.apply({ kernel: p.kernel, bias }, {}, x, ctx);
      const layer = tf.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides, padding, weights: [p.kernel, bias] });
      const theirs = layer.apply(x) as tf.Tensor;
      assertClose(ours as tf.Tensor, theirs, 1e-5);
      layer.dispose();
    }));
  });
}

test("Conv2D kernel init uses Glorot fans of a conv kernel (kh·kw·in, kh·kw·out)", () => {
  tf.tidy(() => {
    const conv = new nn.Conv2D(8, 5);
    const { params } = conv.init(new RNG(0), tf.zeros([1, 28, 28, 1]));
    const k = (params as { kernel: tf.Tensor }).kernel;
    const limit = Math.sqrt(6 / (25 * 1 + 25 * 8));
    const maxAbs = tf.max(tf.abs(k)).dataSync()[0];
    assert.ok(maxAbs <= limit && maxAbs > 0.8 * limit, `max |w| ${maxAbs} vs limit ${limit}`);
    assert.throws(() => conv.apply(conv.init(new RNG(0), tf.zeros([1, 28, 28, 1])).params, {}, tf.zeros([28, 28]), ctx), /takes images \[batch, height, width, channels\]/);
  });
});

test("MaxPool2D, AvgPool2D and GlobalAvgPool2D equal tfjs-layers", () => {
  assertNoLeak(() => tf.tidy(() => {
    const x = tf.randomNormal([2, 6, 5, 3], 0, 1, "float32", 9);
    const [maxOut] = new nn.MaxPool2D(2).apply({}, {}, x, ctx);
    assertClose(maxOut as tf.Tensor, tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.Tensor, 1e-6);
    const [avgOut] = new nn.AvgPool2D(3, { strides: 1, padding: "same" }).apply({}, {}, x, ctx);
    assertClose(avgOut as tf.Tensor, tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: "same" }).apply(x) as tf.Tensor, 1e-6);
    const [gap] = new nn.GlobalAvgPool2D().apply({}, {}, x, ctx);
    assertClose(gap as tf.Tensor, tf.layers.globalAveragePooling2d({}).apply(x) as tf.Tensor, 1e-6);
  }));
});

test("a small CNN: Sequential of Conv2D, MaxPool2D, Flatten, Linear has the expected shapes", () => {
  tf.tidy(() => {
    const cnn = new nn.Sequential([new nn.Conv2D(4, 3, { activation: nn.relu }), new nn.MaxPool2D(2), new nn.Flatten(), new nn.Linear(10)]);
    const x = tf.zeros([3, 28, 28, 1]);
    const { params, states } = cnn.init(new RNG(0), x);
    const [y] = cnn.apply(params, states, x, ctx);
    assert.deepEqual((y as tf.Tensor).shape, [3, 10]);
    assert.deepEqual(((params as Record<string, { kernel: tf.Tensor }>).linear.kernel).shape, [13 * 13 * 4, 10]);
  });
});

test("Conv2D: first and second-order gradients equal conv2d + add by hand", () => {
  assertNoLeak(() => tf.tidy(() => {
    const conv = new nn.Conv2D(3, 3, { padding: "same" });
    const x = tf.randomNormal([2, 5, 5, 2], 0, 1, "float32", 3);
    const { params, states } = conv.init(new RNG(4), x);
    const out = (input: tf.Tensor) => (conv.apply(params, states, input, { training: true, rng: new RNG(5) })[0] as tf.Tensor).square().sum();
    // d/dx Σ‖∂out/∂x‖² (a gradient penalty) against the same with a hand-written conv + bias.
    const bias = (params as { bias: tf.Tensor }).bias;
    const kernel = (params as { kernel: tf.Tensor }).kernel;
    const byHand = (input: tf.Tensor) => tf.add(tf.conv2d(input as tf.Tensor4D, kernel as tf.Tensor4D, 1, "same"), bias).square().sum();
    const penalty = (f: (t: tf.Tensor) => tf.Tensor) => tf.grad((input: tf.Tensor) => tf.grad(f)(input).square().sum())(x);
    assertClose(penalty(out), penalty(byHand), 1e-4, "second-order gradient");
    assertClose(tf.grad(out)(x), tf.grad(byHand)(x), 1e-5, "first-order gradient");
  }));
});
