import test from "node:test";
import assert from "node:assert/strict";
import { ElegyInputError, datasets, tf } from "elegy-ts";

test("datasets.mnist: 60,000 / 10,000 examples, float32 [n, 28, 28] pixels 0–255, int32 labels", async () => {
  const { train, test: testSet } = await datasets.mnist();
  assert.deepEqual(train.x.shape, [60000, 28, 28]);
  assert.deepEqual(testSet.x.shape, [10000, 28, 28]);
  assert.equal(train.x.dtype, "float32");
  assert.equal(train.y.dtype, "int32");
  assert.equal(tf.max(train.x).dataSync()[0], 255);
  assert.equal(tf.min(train.x).dataSync()[0], 0);
  // The first training labels of MNIST, as published.
  assert.deepEqual(Array.from(train.y.slice(0, 8).dataSync()), [5, 0, 4, 1, 9, 2, 1, 3]);
  const counts = tf.tidy(() => tf.oneHot(testSet.y, 10).sum(0).dataSync());
  assert.equal(Array.from(counts).reduce((a, b) => a + b, 0), 10000);
  tf.dispose([train.x, train.y, testSet.x, testSet.y]);
});

test("datasets.mnist: subsets for fast tests, and bad sizes refused", async () => {
  const { train, test: testSet } = await datasets.mnist({ trainSize: 100, testSize: 10 });
  assert.deepEqual(train.x.shape, [100, 28, 28]);
  assert.deepEqual(testSet.y.shape, [10]);
  await assert.rejects(datasets.mnist({ trainSize: 0 }), (e: Error) => e instanceof ElegyInputError && /trainSize must be a positive integer, got 0/.test(e.message));
  const arrays = datasets.mnistArrays({ trainSize: 3, testSize: 1 });
  assert.equal(arrays.train.x.length, 3 * 784);
  assert.deepEqual(Array.from(arrays.train.y), [5, 0, 4]);
});

test("datasets.mnist: ELEGY_MNIST_TRAIN_SIZE / ELEGY_MNIST_TEST_SIZE cut it where no size is given", () => {
  const env = { ELEGY_MNIST_TRAIN_SIZE: "5", ELEGY_MNIST_TEST_SIZE: "2" };
  const cut = datasets.mnistArrays({}, env);
  assert.deepEqual([cut.train.shape, cut.test.shape], [[5, 28, 28], [2, 28, 28]]);
  const given = datasets.mnistArrays({ trainSize: 3 }, env);
  assert.deepEqual([given.train.shape[0], given.test.shape[0]], [3, 2], "an explicit size wins over the variable");
  assert.throws(() => datasets.mnistArrays({}, { ELEGY_MNIST_TRAIN_SIZE: "lots" }), {
    name: "ElegyInputError",
    message: "datasets.mnist(): ELEGY_MNIST_TRAIN_SIZE must be a positive integer (the number of examples to keep), got 'lots'. Unset it to use all of MNIST.",
  });
  assert.equal(datasets.mnistArrays({ testSize: 1 }, { ELEGY_MNIST_TRAIN_SIZE: "" }).train.shape[0], 60000, "empty means unset");
});
