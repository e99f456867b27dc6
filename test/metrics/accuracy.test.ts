// Accuracy metrics against tfjs's tf.metrics and hand counts; the aggregate's running values.
import test from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/tf";
import * as metrics from "../../src/metrics";
import { isRunning } from "../../src/logs";
import { TensorTree, leaves } from "../../src/tree";
import { assertClose, assertNoLeak, tidy, useCpu, value } from "../losses/support";

test.before(useCpu);

const scores = () => tf.tensor2d([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3], [0.9, 0.05, 0.05]]);
const labels = () => tf.tensor1d([1, 0, 1, 2, 0], "int32");

test("sparseCategoricalAccuracy equals tf.metrics.sparseCategoricalAccuracy, and weights follow Keras", () => {
  assertNoLeak(() => {
    const ours = value(() => metrics.sparseCategoricalAccuracy().call(labels(), scores()));
    const theirs = value(() => tf.mean(tf.metrics.sparseCategoricalAccuracy(tf.cast(labels(), "float32"), scores())));
    assertClose(ours[0], theirs[0], 1e-7);
    assertClose(ours[0], 3 / 5, 1e-7);
    // correct = [1, 1, 0, 0, 1]; weighted mean = Σ w·correct / Σ w.
    const sw = [1, 2, 3, 0.5, 0];
    const weighted = value(() => metrics.sparseCategoricalAccuracy().call(labels(), scores(), tf.tensor1d(sw)));
    assertClose(weighted[0], (1 + 2) / (1 + 2 + 3 + 0.5), 1e-6);
    const cw = [0.5, 2, 4];
    const byClass = value(() => metrics.sparseCategoricalAccuracy().call(labels(), scores(), undefined, tf.tensor1d(cw)));
    assertClose(byClass[0], (2 + 0.5 + 0.5) / (2 + 0.5 + 2 + 4 + 0.5), 1e-6);
  });
});

test("the metric aggregate keeps exact running accuracy over batches of different sizes", () => {
  assertNoLeak(() => {
    const agg = metrics.makeMetricAggregate(metrics.sparseCategoricalAccuracy());
    let state: TensorTree = tidy(() => agg.init());
    const batches = [
      { y: [0, 1, 2], p: [[1, 0, 0], [1, 0, 0], [0, 0, 1]] }, // 2 of 3
      { y: [1], p: [[0, 1, 0]] }, // 1 of 1
      { y: [0, 0, 0, 0, 0, 0], p: Array(6).fill([0, 1, 0]) }, // 0 of 6
    ];
    const expected = [2 / 3, 3 / 4, 3 / 10];
    batches.forEach((b, i) => {
      const next = tidy(() => {
        const r = agg.update(state, { yTrue: tf.tensor1d(b.y, "int32"), yPred: tf.tensor2d(b.p) });
        assert.deepEqual(Object.keys(r.logs), ["sparse_categorical_accuracy"]);
        assert.ok(isRunning(r.logs.sparse_categorical_accuracy));
        assertClose(r.logs.sparse_categorical_accuracy as tf.Tensor, expected[i], 1e-6, `after batch ${i}`);
        return r.state;
      });
      tf.dispose(leaves(state));
      state = next;
    });
    // init() again is the reset between epochs.
    tf.dispose(leaves(state));
  });
});

test("metric aggregate names: record keys and repeats", () => {
  tf.tidy(() => {
    const agg = metrics.makeMetricAggregate({ acc: metrics.sparseCategoricalAccuracy(), acc2: metrics.sparseCategoricalAccuracy() });
    assert.deepEqual(Object.keys(agg.update(agg.init(), { yTrue: labels(), yPred: scores() }).logs), ["acc", "acc2"]);
    const list = metrics.makeMetricAggregate([metrics.sparseCategoricalAccuracy(), metrics.sparseCategoricalAccuracy()]);
    assert.deepEqual(Object.keys(list.update(list.init(), { yTrue: labels(), yPred: scores() }).logs), ["sparse_categorical_accuracy", "sparse_categorical_accuracy_1"]);
  });
});

test("plain functions are metrics too: the weighted running mean of their per-sample values", () => {
  tf.tidy(() => {
    const agg = metrics.makeMetricAggregate([metrics.sparseCategoricalAccuracy(), function maxScore(_t: tf.Tensor, p: tf.Tensor) { return tf.max(p, -1); }]);
    const r = agg.update(agg.init(), { yTrue: labels(), yPred: scores() });
    assert.deepEqual(Object.keys(r.logs), ["sparse_categorical_accuracy", "max_score"]);
    assertClose(r.logs.max_score as tf.Tensor, (0.7 + 0.5 + 0.6 + 0.4 + 0.9) / 5, 1e-6);
    assert.throws(() => metrics.makeMetricAggregate([{ name: "x" } as never]), /metric at index 0 is not a metric/);
  });
});

test("accuracy given class indices against class scores scores them as sparseCategoricalAccuracy (Keras' 'accuracy'); same shapes stay exact equality", () => {
  assertNoLeak(() => {
    const sparse = value(() => metrics.sparseCategoricalAccuracy().call(labels(), scores()));
    assert.deepEqual(value(() => metrics.accuracy().call(labels(), scores())), sparse);
    assert.deepEqual(value(() => metrics.accuracy().call(tf.reshape(labels(), [5, 1]), scores())), sparse);
    assertClose(sparse[0], 3 / 5, 1e-7);
    // Equal shapes: element by element, as before (2 of the 3 decoded classes match).
    assertClose(value(() => metrics.accuracy().call(tf.tensor1d([1, 0, 2]), tf.tensor1d([1, 0, 1])))[0], 2 / 3, 1e-7);
    // The labels are checked as the sparse metric checks them, under this metric's name.
    assert.throws(() => tidy(() => metrics.accuracy().call(tf.tensor1d([1, 3, 0, 0, 0], "int32"), scores())), {
      message: "accuracy: the label of row 1 of yTrue is 3, but sparse labels are class indices, whole numbers from 0 to 2, as the predictions have 3 classes. Fix the labels (1-based? subtract 1), or give the model an output per class (4 or more).",
    });
  });
});

test("categoricalAccuracy and topKCategoricalAccuracy refuse class indices, naming the sparse metric", () => {
  assertNoLeak(() => {
    assert.throws(() => tidy(() => metrics.categoricalAccuracy().call(labels(), scores())), {
      name: "ElegyInputError",
      message: "categorical_accuracy expects one-hot targets of shape [5, 3], got class indices of shape [5]: use metrics.sparseCategoricalAccuracy() for class indices, or one-hot the labels (tf.oneHot(labels, 3)).",
    });
    assert.throws(() => tidy(() => metrics.topKCategoricalAccuracy({ k: 2 }).call(tf.reshape(labels(), [5, 1]), scores())), {
      message: "top_k_categorical_accuracy expects one-hot targets of shape [5, 3], got class indices of shape [5, 1]: use metrics.sparseTopKCategoricalAccuracy({ k: 2 }) for class indices, or one-hot the labels (tf.oneHot(labels, 3)).",
    });
    assert.throws(() => tidy(() => metrics.categoricalCrossentropy({ fromLogits: true }).call(labels(), scores())), {
      message: "categorical_crossentropy expects one-hot targets of shape [5, 3], got class indices of shape [5]: use metrics.sparseCategoricalCrossentropy({ fromLogits: true }) for class indices, or one-hot the labels (tf.oneHot(labels, 3)).",
    });
    assertClose(value(() => metrics.categoricalAccuracy().call(tf.oneHot(labels(), 3), scores()))[0], 3 / 5, 1e-7);
  });
});
