// Crossentropy losses against tfjs's own functions and hand-computed values.
import test from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/tf";
import * as losses from "../../src/losses";
import { assertClose, assertNoLeak, useCpu, value } from "./support";

test.before(useCpu);

const logits = () => tf.tensor2d([[2, 1, 0.1], [0.5, 2.5, -1], [-1, 0, 3], [1, 1, 1]]);
const labels = () => tf.tensor1d([0, 2, 2, 1], "int32");

test("sparseCategoricalCrossentropy fromLogits equals tf.losses.softmaxCrossEntropy (mean over the batch)", () => {
  assertNoLeak(() => {
    const ours = value(() => losses.sparseCategoricalCrossentropy({ fromLogits: true }).call(labels(), logits()));
    const theirs = value(() => tf.losses.softmaxCrossEntropy(tf.oneHot(labels(), 3), logits()));
    assertClose(ours[0], theirs[0], 1e-6);
  });
});

test("sparseCategoricalCrossentropy on probabilities equals tf.metrics.categoricalCrossentropy of the one-hot labels per sample", () => {
  assertNoLeak(() => {
    const none = value(() => losses.sparseCategoricalCrossentropy({ reduction: "none" }).call(labels(), tf.softmax(logits())));
    const theirs = value(() => tf.metrics.categoricalCrossentropy(tf.oneHot(labels(), 3), tf.softmax(logits())));
    assertClose(none, theirs, 1e-5);
    // Labels given as [batch, 1] floats are accepted too.
    const column = value(() => losses.sparseCategoricalCrossentropy({ reduction: "none" }).call(tf.reshape(tf.cast(labels(), "float32"), [-1, 1]), tf.softmax(logits())));
    assertClose(column, theirs, 1e-5);
  });
});

test("reductions, weight, sampleWeight and classWeight follow Keras", () => {
  assertNoLeak(() => {
    const perSample = value(() => losses.sparseCategoricalCrossentropy({ fromLogits: true, reduction: "none" }).call(labels(), logits()));
    const sw = [1, 0.5, 0, 2];
    const cw = [0.2, 1, 3];
    const weighted = perSample.map((v, i) => v * sw[i]);
    const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
    // sum_over_batch_size divides the weighted sum by the number of samples, not by the weights.
    const mean = value(() => losses.sparseCategoricalCrossentropy({ fromLogits: true }).call(labels(), logits(), tf.tensor1d(sw)));
    assertClose(mean[0], sum(weighted) / 4, 1e-6);
    const total = value(() => losses.sparseCategoricalCrossentropy({ fromLogits: true, reduction: "sum" }).call(labels(), logits(), tf.tensor1d(sw)));
    assertClose(total[0], sum(weighted), 1e-6);
    const doubled = value(() => losses.sparseCategoricalCrossentropy({ fromLogits: true, weight: 2 }).call(labels(), logits()));
    assertClose(doubled[0], (2 * sum(perSample)) / 4, 1e-6);
    const byClass = value(() => losses.sparseCategoricalCrossentropy({ fromLogits: true, reduction: "none" }).call(labels(), logits(), undefined, tf.tensor1d(cw)));
    assertClose(byClass, perSample.map((v, i) => v * cw[[0, 2, 2, 1][i]]), 1e-6);
    const both = value(() => losses.sparseCategoricalCrossentropy({ fromLogits: true, reduction: "sum" }).call(labels(), logits(), tf.tensor1d(sw), tf.tensor1d(cw)));
    assertClose(both[0], sum(perSample.map((v, i) => v * sw[i] * cw[[0, 2, 2, 1][i]])), 1e-6);
  });
});

test("categoricalCrossentropy equals tfjs on one-hot targets, with and without logits, and label smoothing matches the formula", () => {
  assertNoLeak(() => {
    const onehot = () => tf.oneHot(labels(), 3);
    const fromLogits = value(() => losses.categoricalCrossentropy({ fromLogits: true }).call(onehot(), logits()));
    assertClose(fromLogits[0], value(() => tf.losses.softmaxCrossEntropy(onehot(), logits()))[0], 1e-6);
    const probs = value(() => losses.categoricalCrossentropy({ reduction: "none" }).call(onehot(), tf.softmax(logits())));
    assertClose(probs, value(() => tf.metrics.categoricalCrossentropy(onehot(), tf.softmax(logits()))), 1e-5);
    const smoothed = value(() => losses.categoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }).call(onehot(), logits()));
    const expected = value(() => tf.mean(tf.neg(tf.sum(tf.mul(tf.add(tf.mul(onehot(), 0.9), 0.1 / 3), tf.logSoftmax(logits())), -1))));
    assertClose(smoothed[0], expected[0], 1e-6);
  });
});

test("binaryCrossentropy equals tfjs (probabilities) and tf.losses.sigmoidCrossEntropy (logits), per sample mean over the last axis", () => {
  assertNoLeak(() => {
    const yTrue = () => tf.tensor2d([[1, 0], [0, 0], [1, 1]]);
    const raw = () => tf.tensor2d([[2, -1], [0.3, -4], [-0.5, 7]]);
    const probs = value(() => losses.binaryCrossentropy({ reduction: "none" }).call(yTrue(), tf.sigmoid(raw())));
    assertClose(probs, value(() => tf.metrics.binaryCrossentropy(yTrue(), tf.sigmoid(raw()))), 1e-5);
    const fromLogits = value(() => losses.binaryCrossentropy({ fromLogits: true }).call(yTrue(), raw()));
    assertClose(fromLogits[0], value(() => tf.losses.sigmoidCrossEntropy(yTrue(), raw()))[0], 1e-6);
    // A rank-1 target and a [batch, 1] prediction line up, one value per sample.
    const column = value(() => losses.binaryCrossentropy({ reduction: "none" }).call(tf.tensor1d([1, 0]), tf.tensor2d([[0.8], [0.4]])));
    assertClose(column, [-Math.log(0.8), -Math.log(0.6)], 1e-5);
  });
});

test("a loss picks its output of a nested prediction with `on`, and says what to do without it", () => {
  assertNoLeak(() => {
    const yTrue = () => ({ digit: labels(), other: tf.zeros([4]) });
    const yPred = () => ({ digit: logits(), other: tf.zeros([4]) });
    const picked = value(() => losses.sparseCategoricalCrossentropy({ fromLogits: true, on: "digit" }).call(yTrue(), yPred()));
    assertClose(picked[0], value(() => losses.sparseCategoricalCrossentropy({ fromLogits: true }).call(labels(), logits()))[0], 1e-7);
    assert.throws(() => tf.tidy(() => losses.sparseCategoricalCrossentropy().call(yTrue(), yPred())), /choose one with the 'on' option/);
  });
});

test("sparse crossentropy from logits: closed-form gradient (softmax − one-hot) equals differentiating the composed ops", () => {
  assertNoLeak(() => tf.tidy(() => {
    const logits = tf.tensor3d([[[2, -1, 0.5], [0.1, 0.2, 0.3]], [[-3, 4, 1], [10, -10, 0]]]);
    const labels = tf.tensor2d([[0, 2], [1, 0]], [2, 2], "int32");
    const weights = tf.tensor2d([[1, 0.5], [2, 0]]);
    const composed = (x: tf.Tensor) => tf.mul(tf.neg(tf.sum(tf.mul(tf.oneHot(labels, 3, 1, 0, "float32"), tf.logSoftmax(x, -1)), -1)), weights).sum();
    const fused = (x: tf.Tensor) => tf.mul(losses.sparseCategoricalCrossentropy({ fromLogits: true, reduction: "none" }).call(labels, x), weights).sum();
    assertClose(fused(logits), composed(logits), 1e-6, "value");
    assertClose(tf.grad(fused)(logits), tf.grad(composed)(logits), 1e-6, "gradient");
  }));
});

test("categoricalCrossentropy refuses class indices (they would broadcast) and names the sparse loss with the same fromLogits", () => {
  assertNoLeak(() => {
    assert.throws(() => tf.tidy(() => losses.categoricalCrossentropy({ fromLogits: true }).call(labels(), logits())), {
      name: "ElegyInputError",
      message: "categorical_crossentropy expects one-hot targets of shape [4, 3], got class indices of shape [4]: use losses.sparseCategoricalCrossentropy({ fromLogits: true }) for class indices, or one-hot the labels (tf.oneHot(labels, 3)).",
    });
    // [n, 1] labels against [n, 3] broadcast silently before: refused too.
    assert.throws(() => tf.tidy(() => losses.categoricalCrossentropy({ name: "cce" }).call(tf.reshape(labels(), [4, 1]), tf.softmax(logits()))), {
      message: "cce expects one-hot targets of shape [4, 3], got class indices of shape [4, 1]: use losses.sparseCategoricalCrossentropy() for class indices, or one-hot the labels (tf.oneHot(labels, 3)).",
    });
  });
});
