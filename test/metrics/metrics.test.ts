// Every metric against tfjs's tf.metrics or hand counts, alone and weighted, and running over
// several batches.
import test from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/tf";
import * as metrics from "../../src/metrics";
import { Metric } from "../../src/metrics";
import { TensorTree, leaves } from "../../src/tree";
import { assertClose, assertNoLeak, tidy, useCpu, value } from "../losses/support";

test.before(useCpu);

const yTrue = () => tf.tensor2d([[1, 2, 3], [0.5, -1, 4], [2, 2, 2], [-3, 0.1, 1]]);
const yPred = () => tf.tensor2d([[1.5, 1, 3.2], [0.4, 1, 2], [2, 2.5, 0], [-2, 0, 1.7]]);
const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);

/** Runs a metric over batches (each built inside the metric's tidy) and returns its value after each. */
function running(metric: Metric, batches: Array<() => { yTrue: tf.Tensor; yPred: tf.Tensor; sampleWeight?: tf.Tensor; classWeight?: tf.Tensor }>): number[] {
  let state: TensorTree = tidy(() => metric.init());
  const out: number[] = [];
  for (const batch of batches) {
    const next = tidy(() => {
      const s = metric.update(state, batch());
      out.push(metric.result(s).dataSync()[0]);
      return s;
    });
    tf.dispose(leaves(state));
    state = next;
  }
  tf.dispose(leaves(state));
  return out;
}

test("error metrics equal the mean of tf.metrics' per-sample values; weighted and running means follow Keras", () => {
  assertNoLeak(() => {
    const pairs: Array<[Metric, (t: tf.Tensor, p: tf.Tensor) => tf.Tensor]> = [
      [metrics.meanSquaredError(), tf.metrics.meanSquaredError],
      [metrics.meanAbsoluteError(), tf.metrics.meanAbsoluteError],
      [metrics.meanAbsolutePercentageError(), tf.metrics.meanAbsolutePercentageError],
    ];
    for (const [metric, theirs] of pairs) {
      const perSample = value(() => theirs(yTrue(), yPred()));
      assertClose(value(() => metric.call(yTrue(), yPred())), sum(perSample) / 4, 1e-5, metric.name);
      const sw = [1, 0, 2, 0.5];
      assertClose(value(() => metric.call(yTrue(), yPred(), tf.tensor1d(sw))), sum(perSample.map((v, i) => v * sw[i])) / sum(sw), 1e-5, `${metric.name} weighted`);
      // Two batches of sizes 3 and 1: the running value is the mean over all 4 samples.
      const seen = running(metric, [
        () => ({ yTrue: yTrue().slice(0, 3), yPred: yPred().slice(0, 3) }),
        () => ({ yTrue: yTrue().slice(3, 1), yPred: yPred().slice(3, 1) }),
      ]);
      assertClose(seen, [sum(perSample.slice(0, 3)) / 3, sum(perSample) / 4], 1e-5, `${metric.name} running`);
    }
  });
});

test("rootMeanSquaredError is √ of the mean squared error over everything seen", () => {
  const perSample = value(() => tf.metrics.meanSquaredError(yTrue(), yPred()));
  const seen = running(metrics.rootMeanSquaredError(), [
    () => ({ yTrue: yTrue().slice(0, 1), yPred: yPred().slice(0, 1) }),
    () => ({ yTrue: yTrue().slice(1, 2), yPred: yPred().slice(1, 2) }), // rows 1 and 2
  ]);
  assertClose(seen, [Math.sqrt(perSample[0]), Math.sqrt(sum(perSample.slice(0, 3)) / 3)], 1e-5);
});

test("accuracy metrics equal tf.metrics (binary, categorical) and exact equality for accuracy()", () => {
  assertNoLeak(() => {
    const labels = () => tf.tensor2d([[1, 0], [0, 0], [1, 1], [0, 1]]);
    const probs = () => tf.tensor2d([[0.7, 0.2], [0.6, 0.1], [0.4, 0.9], [0.5, 0.51]]);
    const binary = value(() => metrics.binaryAccuracy().call(labels(), probs()));
    assertClose(binary, value(() => tf.mean(tf.metrics.binaryAccuracy(labels(), probs()))), 1e-6);
    assertClose(binary, (2 + 1 + 1 + 2) / 8, 1e-6);
    assertClose(value(() => metrics.binaryAccuracy({ threshold: 0.65 }).call(labels(), probs())), (2 + 2 + 1 + 1) / 8, 1e-6);
    const onehot = () => tf.tensor2d([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 0, 1]]);
    const scores = () => tf.tensor2d([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.5, 0.1, 0.4]]);
    assertClose(value(() => metrics.categoricalAccuracy().call(onehot(), scores())), value(() => tf.mean(tf.metrics.categoricalAccuracy(onehot(), scores()))), 1e-6);
    assertClose(value(() => metrics.accuracy().call(tf.tensor1d([1, 2, 3, 4]), tf.tensor1d([1, 0, 3, 0]))), 0.5, 1e-7);
  });
});

test("top-k accuracy: the target is among the k best scores (ties count as in TF's in_top_k)", () => {
  const scores = () => tf.tensor2d([[0.1, 0.5, 0.3, 0.1], [0.4, 0.3, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4]]);
  const labels = () => tf.tensor1d([2, 3, 0, 0], "int32");
  assertClose(value(() => metrics.sparseTopKCategoricalAccuracy({ k: 2 }).call(labels(), scores())), 2 / 4, 1e-7);
  assertClose(value(() => metrics.sparseTopKCategoricalAccuracy({ k: 1 }).call(labels(), scores())), 1 / 4, 1e-7);
  assertClose(value(() => metrics.topKCategoricalAccuracy({ k: 3 }).call(tf.oneHot(labels(), 4), scores())), 2 / 4, 1e-7);
  assertClose(value(() => metrics.topKCategoricalAccuracy({ k: 4 }).call(tf.oneHot(labels(), 4), scores())), 1, 1e-7);
  assertClose(value(() => metrics.sparseTopKCategoricalAccuracy().call(labels(), scores())), 1, 1e-7); // k = 5 ≥ classes
  assert.throws(() => metrics.sparseTopKCategoricalAccuracy({ k: 0 }), /k must be a positive integer/);
});

test("crossentropy metrics equal tf.metrics' per-sample crossentropies, averaged", () => {
  assertNoLeak(() => {
    const onehot = () => tf.tensor2d([[0, 1, 0], [1, 0, 0], [0, 0, 1]]);
    const probs = () => tf.tensor2d([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4]]);
    const expected = value(() => tf.mean(tf.metrics.categoricalCrossentropy(onehot(), probs())));
    assertClose(value(() => metrics.categoricalCrossentropy().call(onehot(), probs())), expected, 1e-5);
    assertClose(value(() => metrics.sparseCategoricalCrossentropy().call(tf.tensor1d([1, 0, 2], "int32"), probs())), expected, 1e-5);
    assertClose(value(() => metrics.sparseCategoricalCrossentropy({ fromLogits: true }).call(tf.tensor1d([1, 0, 2], "int32"), tf.log(probs()))), expected, 1e-5);
    const bin = () => tf.tensor2d([[1, 0], [0, 1]]);
    const p = () => tf.tensor2d([[0.9, 0.2], [0.3, 0.6]]);
    assertClose(value(() => metrics.binaryCrossentropy().call(bin(), p())), value(() => tf.mean(tf.metrics.binaryCrossentropy(bin(), p()))), 1e-5);
  });
});

test("mean and sum: of yPred by default, of anything with `of`, weighted as Keras", () => {
  assertClose(value(() => metrics.mean().call(tf.zeros([3]), tf.tensor1d([1, 2, 6]))), 3, 1e-7);
  assertClose(value(() => metrics.mean().call(tf.zeros([3]), tf.tensor1d([1, 2, 6]), tf.tensor1d([1, 1, 0]))), 1.5, 1e-7);
  assertClose(value(() => metrics.sum().call(tf.zeros([3]), tf.tensor1d([1, 2, 6]), tf.tensor1d([2, 1, 0.5]))), 7, 1e-7);
  const gap = metrics.mean({ name: "gap", of: (t, p) => tf.abs(tf.sub(t, p)) });
  assert.equal(gap.name, "gap");
  assertClose(value(() => gap.call(tf.tensor1d([1, 1]), tf.tensor1d([4, 0]))), 2, 1e-7);
  // A [batch, k] quantity: each sample's mean, then the weighted mean over samples.
  assertClose(value(() => metrics.mean().call(tf.zeros([2]), tf.tensor2d([[1, 3], [10, 20]]), tf.tensor1d([3, 1]))), (2 * 3 + 15) / 4, 1e-6);
  const runningSum = running(metrics.sum(), [() => ({ yTrue: tf.zeros([2]), yPred: tf.tensor1d([1, 2]) }), () => ({ yTrue: tf.zeros([1]), yPred: tf.tensor1d([4]) })]);
  assertClose(runningSum, [3, 7], 1e-7);
});

test("precision and recall equal tf.metrics on 0/1 predictions; thresholds, weights, classId and topK follow Keras", () => {
  assertNoLeak(() => {
    const t = () => tf.tensor1d([1, 0, 1, 1, 0, 1, 0, 0]);
    const p = () => tf.tensor1d([1, 1, 0, 1, 0, 1, 1, 0]);
    assertClose(value(() => metrics.precision().call(t(), p())), value(() => tf.metrics.precision(t(), p())), 1e-6);
    assertClose(value(() => metrics.recall().call(t(), p())), value(() => tf.metrics.recall(t(), p())), 1e-6);
    // Scores and a threshold: predicted positive = [1, 0, 0, 1, 0, 1, 1, 0] at 0.5.
    const scores = () => tf.tensor1d([0.9, 0.4, 0.3, 0.8, 0.1, 0.6, 0.7, 0.2]);
    assertClose(value(() => metrics.precision().call(t(), scores())), 3 / 4, 1e-6);
    assertClose(value(() => metrics.recall().call(t(), scores())), 3 / 4, 1e-6);
    assertClose(value(() => metrics.precision({ threshold: 0.75 }).call(t(), scores())), 1, 1e-6);
    assertClose(value(() => metrics.recall({ threshold: 0.75 }).call(t(), scores())), 2 / 4, 1e-6);
    const sw = [1, 1, 1, 2, 1, 0.5, 3, 1];
    // TP weights: 1 + 2 + 0.5; FP: 3; FN: 1.
    assertClose(value(() => metrics.precision().call(t(), scores(), tf.tensor1d(sw))), 3.5 / 6.5, 1e-6);
    assertClose(value(() => metrics.recall().call(t(), scores(), tf.tensor1d(sw))), 3.5 / 4.5, 1e-6);
    // Multi-class: sparse labels are one-hot encoded; classId picks one class.
    const labels = () => tf.tensor1d([0, 1, 2, 1], "int32");
    const probs = () => tf.tensor2d([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.1, 0.55, 0.35], [0.4, 0.45, 0.15]]);
    // Class 1 column: positives at rows 1 and 2; class 1 is at rows 1 and 3.
    assertClose(value(() => metrics.precision({ classId: 1 }).call(labels(), probs())), 1 / 2, 1e-6);
    assertClose(value(() => metrics.recall({ classId: 1 }).call(labels(), probs())), 1 / 2, 1e-6);
    assertClose(value(() => metrics.recall({ classId: 2 }).call(labels(), probs())), 0, 1e-6);
    // topK 1 with threshold 0: each row's argmax is its only positive.
    assertClose(value(() => metrics.precision({ topK: 1, threshold: 0 }).call(labels(), probs())), 3 / 4, 1e-6);
    assertClose(value(() => metrics.precision().call(tf.zeros([2]), tf.zeros([2]))), 0, 0, "no positives → 0");
  });
});

test("f1: macro, micro and weighted over classes match sklearn-style hand computations, with sample weights", () => {
  const labels = [0, 1, 2, 1, 0, 2, 2];
  const predicted = [0, 2, 2, 1, 1, 2, 0];
  const scores = () => tf.oneHot(tf.tensor1d(predicted, "int32"), 3).mul(0.8).add(0.05);
  const f1Of = (w: number[]) => {
    const perClass = [0, 1, 2].map((c) => {
      let tp = 0, fp = 0, fn = 0, support = 0;
      labels.forEach((l, i) => {
        if (l === c && predicted[i] === c) tp += w[i];
        if (l !== c && predicted[i] === c) fp += w[i];
        if (l === c && predicted[i] !== c) fn += w[i];
        if (l === c) support += w[i];
      });
      const p = tp / (tp + fp), r = tp / (tp + fn);
      return { f1: p + r === 0 ? 0 : (2 * p * r) / (p + r), tp, fp, fn, support };
    });
    const macro = sum(perClass.map((c) => c.f1)) / 3;
    const [tp, fp, fn] = ["tp", "fp", "fn"].map((k) => sum(perClass.map((c) => c[k as "tp"])));
    const micro = (2 * tp) / (2 * tp + fp + fn);
    const total = sum(perClass.map((c) => c.support));
    const weighted = sum(perClass.map((c) => (c.f1 * c.support) / total));
    return { macro, micro, weighted };
  };
  const ones = labels.map(() => 1);
  const sw = [1, 2, 0.5, 1, 3, 1, 0.25];
  for (const average of ["macro", "micro", "weighted"] as const) {
    assertClose(value(() => metrics.f1({ average }).call(tf.tensor1d(labels, "int32"), scores())), f1Of(ones)[average], 1e-5, average);
    assertClose(value(() => metrics.f1({ average }).call(tf.oneHot(tf.tensor1d(labels, "int32"), 3), scores(), tf.tensor1d(sw))), f1Of(sw)[average], 1e-5, `${average} weighted`);
  }
  // Running over two batches equals one pass over all samples.
  const split = running(metrics.f1(), [
    () => ({ yTrue: tf.tensor1d(labels.slice(0, 4), "int32"), yPred: scores().slice(0, 4) }),
    () => ({ yTrue: tf.tensor1d(labels.slice(4), "int32"), yPred: scores().slice(4) }),
  ]);
  assertClose(split[1], f1Of(ones).macro, 1e-5);
  assert.equal(metrics.f1().name, "f1_score");
});

test("metrics honour `on` for nested outputs and classWeight", () => {
  tf.tidy(() => {
    const yT = { a: tf.tensor1d([0, 1, 1], "int32"), b: tf.zeros([3]) };
    const yP = { a: tf.tensor2d([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), b: tf.zeros([3]) };
    assertClose(metrics.sparseCategoricalAccuracy({ on: "a" }).call(yT, yP), 2 / 3, 1e-6);
    assertClose(metrics.sparseCategoricalAccuracy({ on: "a" }).call(yT, yP, undefined, tf.tensor1d([1, 3])), (1 + 3) / 7, 1e-6);
    assert.throws(() => metrics.sparseCategoricalAccuracy().call(yT, yP), /choose one with the 'on' option/);
  });
});

test("classWeight weighs precision, recall, F1 and sum by each sample's class", () => {
  tf.tidy(() => {
    const t = tf.tensor1d([1, 0, 1, 0]);
    const s = tf.tensor1d([0.9, 0.8, 0.2, 0.1]); // TP row 0, FP row 1, FN row 2, TN row 3
    const cw = tf.tensor1d([4, 0.5]); // class 0 weighs 4, class 1 weighs 0.5
    assertClose(metrics.precision().call(t, s, undefined, cw), 0.5 / (0.5 + 4), 1e-6);
    assertClose(metrics.recall().call(t, s, undefined, cw), 0.5 / (0.5 + 0.5), 1e-6);
    assertClose(metrics.sum().call(t, tf.ones([4]), tf.tensor1d([1, 1, 2, 1]), cw), 0.5 + 4 + 1 + 4, 1e-6);
    // F1 with classWeight equals F1 with the same numbers given as sample weights.
    const labels = tf.tensor1d([0, 1, 1, 2], "int32");
    const probs = tf.tensor2d([[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]);
    const byClass = metrics.f1().call(labels, probs, undefined, tf.tensor1d([1, 3, 2]));
    const bySample = metrics.f1().call(labels, probs, tf.tensor1d([1, 3, 3, 2]));
    assertClose(byClass, bySample, 1e-7);
    assert.ok(Math.abs(byClass.dataSync()[0] - metrics.f1().call(labels, probs).dataSync()[0]) > 1e-3, "the weights matter");
  });
});
