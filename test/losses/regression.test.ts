// Regression and margin losses against tfjs (tf.metrics per sample, tf.losses reduced) and by hand.
import test from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/tf";
import * as losses from "../../src/losses";
import { assertClose, assertNoLeak, useCpu, value } from "./support";

test.before(useCpu);

const yTrue = () => tf.tensor2d([[1, 2, 3], [0.5, -1, 4], [2, 2, 2], [-3, 0.1, 1]]);
const yPred = () => tf.tensor2d([[1.5, 1, 3.2], [0.4, 1, 2], [2, 2.5, 0], [-2, 0, 1.7]]);
const sw = [0.5, 2, 0, 1];
const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
const rows = () => tf.tidy(() => [yTrue().arraySync(), yPred().arraySync()]) as number[][][];

/** The per-sample values and the Keras reductions (with and without sample weights) of one loss. */
function checkReductions(make: (o: losses.LossOptions) => losses.SampleLoss, perSample: number[], tol = 1e-5) {
  const none = value(() => make({ reduction: "none" }).call(yTrue(), yPred()));
  assertClose(none, perSample, tol, "per sample");
  assertClose(value(() => make({}).call(yTrue(), yPred())), sum(perSample) / 4, tol, "mean");
  assertClose(value(() => make({ reduction: "sum" }).call(yTrue(), yPred(), tf.tensor1d(sw))), sum(perSample.map((v, i) => v * sw[i])), tol, "weighted sum");
  assertClose(value(() => make({}).call(yTrue(), yPred(), tf.tensor1d(sw))), sum(perSample.map((v, i) => v * sw[i])) / 4, tol, "weighted mean");
  assertClose(value(() => make({ weight: 0.5 }).call(yTrue(), yPred())), (0.5 * sum(perSample)) / 4, tol, "loss weight");
}

test("meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError equal tf.metrics per sample; reductions and weights follow Keras", () => {
  assertNoLeak(() => {
    checkReductions(losses.meanSquaredError, value(() => tf.metrics.meanSquaredError(yTrue(), yPred())));
    checkReductions(losses.meanAbsoluteError, value(() => tf.metrics.meanAbsoluteError(yTrue(), yPred())));
    checkReductions(losses.meanAbsolutePercentageError, value(() => tf.metrics.meanAbsolutePercentageError(yTrue(), yPred())), 1e-4);
  });
});

test("meanSquaredLogarithmicError, logCosh, poisson, kullbackLeiblerDivergence match their formulas", () => {
  const [t, p] = rows();
  const mean = (f: (a: number, b: number) => number) => t.map((r, i) => r.reduce((s, v, j) => s + f(v, p[i][j]), 0) / r.length);
  checkReductions(losses.meanSquaredLogarithmicError, mean((a, b) => (Math.log1p(Math.max(b, 1e-7)) - Math.log1p(Math.max(a, 1e-7))) ** 2));
  checkReductions(losses.logCosh, mean((a, b) => Math.log(Math.cosh(b - a))));
  const positive = (m: number[][]) => m.map((r) => r.map((v) => Math.abs(v) + 0.1));
  const [tp, pp] = [positive(t), positive(p)];
  const poisson = value(() => losses.poisson({ reduction: "none" }).call(tf.tensor2d(tp), tf.tensor2d(pp)));
  assertClose(poisson, tp.map((r, i) => r.reduce((s, v, j) => s + pp[i][j] - v * Math.log(pp[i][j] + 1e-7), 0) / 3), 1e-5);
  const dist = (m: number[][]) => m.map((r) => r.map((v) => v / sum(r)));
  const [dt, dp] = [dist(tp), dist(pp)];
  const kl = value(() => losses.kullbackLeiblerDivergence({ reduction: "none" }).call(tf.tensor2d(dt), tf.tensor2d(dp)));
  assertClose(kl, dt.map((r, i) => r.reduce((s, v, j) => s + v * Math.log(v / dp[i][j]), 0)), 1e-5);
});

test("huber (delta 1 by default, and 0.5) equals tf.losses.huberLoss; matches the formula per sample", () => {
  assertNoLeak(() => {
    const [t, p] = rows();
    const huber = (d: number) => (a: number, b: number) => (Math.abs(b - a) <= d ? 0.5 * (b - a) ** 2 : d * Math.abs(b - a) - 0.5 * d * d);
    for (const delta of [1, 0.5]) {
      const perSample = t.map((r, i) => r.reduce((s, v, j) => s + huber(delta)(v, p[i][j]), 0) / 3);
      checkReductions((o) => losses.huber({ ...o, delta: delta === 1 ? undefined : delta }), perSample);
      const theirs = value(() => tf.losses.huberLoss(yTrue(), yPred(), undefined, delta, tf.Reduction.MEAN));
      assertClose(value(() => losses.huber({ delta }).call(yTrue(), yPred())), theirs, 1e-6);
    }
  });
});

test("cosineSimilarity is −cos per sample (as tf.metrics.cosineProximity); hinge equals tf.losses.hingeLoss", () => {
  assertNoLeak(() => {
    checkReductions(losses.cosineSimilarity, value(() => tf.metrics.cosineProximity(yTrue(), yPred())));
    const labels = () => tf.tensor2d([[1, 0, 1], [0, 0, 1], [1, 1, 1], [0, 1, 0]]);
    const ours = value(() => losses.hinge().call(labels(), yPred()));
    assertClose(ours, value(() => tf.losses.hingeLoss(labels(), yPred(), undefined, tf.Reduction.MEAN)), 1e-6);
    const sq = value(() => losses.squaredHinge({ reduction: "none" }).call(labels(), yPred()));
    const [l, p] = tf.tidy(() => [labels().arraySync(), yPred().arraySync()]) as number[][][];
    assertClose(sq, l.map((r, i) => r.reduce((s, v, j) => s + Math.max(0, 1 - (2 * v - 1) * p[i][j]) ** 2, 0) / 3), 1e-5);
  });
});

test("rank-1 targets and predictions are one value per sample; reduction 'none' keeps the batch axis", () => {
  const none = value(() => losses.meanSquaredError({ reduction: "none" }).call(tf.tensor1d([1, 2, 3]), tf.tensor1d([1, 4, 0])));
  assertClose(none, [0, 4, 9]);
  const column = value(() => losses.meanSquaredError({ reduction: "none" }).call(tf.tensor1d([1, 2, 3]), tf.tensor2d([[1], [4], [0]])));
  assertClose(column, [0, 4, 9]);
});

test("classWeight weighs regression-free losses by the target's class (one-hot targets: argmax)", () => {
  const onehot = () => tf.tensor2d([[1, 0], [0, 1], [0, 1]]);
  const probs = () => tf.tensor2d([[0.8, 0.2], [0.4, 0.6], [0.9, 0.1]]);
  const perSample = value(() => losses.categoricalCrossentropy({ reduction: "none" }).call(onehot(), probs()));
  const weighted = value(() => losses.categoricalCrossentropy({ reduction: "none" }).call(onehot(), probs(), tf.tensor1d([1, 1, 2]), tf.tensor1d([3, 0.5])));
  assertClose(weighted, [perSample[0] * 3, perSample[1] * 0.5, perSample[2] * 0.5 * 2], 1e-6);
  // Binary 0/1 targets of shape [batch, 1]: the rounded target is the class.
  const binary = value(() => losses.binaryCrossentropy({ reduction: "none" }).call(tf.tensor2d([[1], [0]]), tf.tensor2d([[0.7], [0.2]]), undefined, tf.tensor1d([2, 5])));
  assertClose(binary, [-Math.log(0.7) * 5, -Math.log(0.8) * 2], 1e-5);
});

test("options are checked", () => {
  assert.throws(() => losses.meanSquaredError({ reduction: "mean" as never }), /reduction must be one of "sum_over_batch_size", "sum", "none"/);
});
