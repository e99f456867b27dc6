// Issue 15.3: sparse labels out of range (12, −1 with 10 classes) or not whole (2.7) are
// refused by sparse losses and metrics with the value, its position and the class count —
// on wasm and cpu, for tensors (checked on the host, no device kernel per batch) and for
// datasets (checked on the device, read with the epoch's logs), without leaking tensors.
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyInputError, Model, losses, metrics, nn, optimizers, tf } from "elegy-ts";
import { SPARSE_LABEL_CHECK } from "../../src/backend/kernels/label-check";
import { countKernelCalls, withoutKernels } from "../support/kernels";

const ROWS = 64;
const CLASSES = 10;

function classifier(backend: string): Model {
  return new Model({
    module: new nn.Sequential([new nn.Linear(CLASSES)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: metrics.sparseCategoricalAccuracy(),
    optimizer: optimizers.sgd(0.1),
    seed: 1,
    backend,
  });
}

const features = () => tf.randomNormal([ROWS, 5], 0, 1, "float32", 4);
function labels(bad: Record<number, number>, dtype: "int32" | "float32" = "int32"): tf.Tensor1D {
  const values = Array.from({ length: ROWS }, (_, i) => bad[i] ?? i % CLASSES);
  return tf.tensor1d(values, dtype);
}

const RANGE = "but sparse labels are class indices, whole numbers from 0 to 9, as the predictions have 10 classes.";
const message = (owner: string, where: string, value: string, fix: string) => `${owner}: the label of ${where} is ${value}, ${RANGE} ${fix}`;
const TOO_BIG = "Fix the labels (1-based? subtract 1), or give the model an output per class (13 or more).";
const NEGATIVE = "Negative labels are not classes: fix or drop those examples.";
const NOT_WHOLE = "Round or fix the labels; for one-hot or probability targets use categoricalCrossentropy / categoricalAccuracy instead.";
const SCE = "sparse_categorical_crossentropy";

/** Counts runs of a kernel while `fn` runs, and what fn returned or threw. */
async function countKernel<T>(name: string, fn: () => Promise<T>): Promise<{ result?: T; error?: unknown; calls: number }> {
  const counter = { calls: 0 };
  try {
    return { result: await countKernelCalls([name], counter, fn), calls: counter.calls };
  } catch (error) {
    return { error, calls: counter.calls };
  }
}

const refusedWith = (text: string) => (e: unknown) => {
  assert.ok(e instanceof ElegyInputError, `not an ElegyInputError: ${e}`);
  assert.equal((e as Error).message, text);
  return true;
};

for (const backend of ["cpu", "wasm"]) {
  test(`tensors: 12, −1 and 2.7 among 10 classes are refused before training, naming the example (${backend})`, async () => {
    const x = features();
    const cases: Array<[tf.Tensor1D, string]> = [
      [labels({ 37: 12 }), message(SCE, "y example 37", "12", TOO_BIG)],
      [labels({ 5: -1, 40: 12 }), message(SCE, "y example 5", "-1", NEGATIVE)],
      [labels({ 9: 2.7 }, "float32"), message(SCE, "y example 9", "2.7", NOT_WHOLE)],
    ];
    for (const [y, text] of cases) {
      const model = classifier(backend);
      await model.ready();
      const before = tf.memory().numTensors;
      await assert.rejects(model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 }), refusedWith(text));
      await assert.rejects(model.evaluate(x, y, { batchSize: 16 }), refusedWith(text));
      model.dispose();
      assert.equal(tf.memory().numTensors, before, `tensors leaked refusing: ${text}`);
      y.dispose();
    }
    // validationSplit: the position is the example's index in the data given to fit.
    const model = classifier(backend);
    const y = labels({ 60: 12 });
    await assert.rejects(model.fit(x, y, { epochs: 1, verbose: 0, validationSplit: 0.25 }), refusedWith(message(SCE, "y example 60", "12", TOO_BIG)));
    model.dispose();
    tf.dispose([x, y]);
  });

  test(`tensors: valid labels run no label kernel at all, float labels that are whole are accepted (${backend})`, async () => {
    const x = features();
    const model = classifier(backend);
    await model.ready();
    const run = await countKernel(SPARSE_LABEL_CHECK, () => model.fit(x, labels({}, "float32"), { epochs: 2, batchSize: 16, verbose: 0, validationSplit: 0.25 }));
    assert.equal(run.error, undefined);
    assert.equal(run.calls, 0);
    model.dispose();
    x.dispose();
  });

  test(`datasets: a bad label in batch 2 is reported with the epoch's logs, naming batch and row (${backend})`, async () => {
    const x = features();
    const batches = (y: tf.Tensor) => tf.data.zip({ x: tf.data.array(tf.unstack(x)), y: tf.data.array(tf.unstack(y)) }).batch(16);
    const model = classifier(backend);
    await model.ready();
    const good = labels({});
    const warm = await countKernel(SPARSE_LABEL_CHECK, () => model.fit(batches(good), undefined, { epochs: 1, verbose: 0 }));
    assert.equal(warm.error, undefined);
    // One check per batch for the loss and one for the metric, plus the init batch's two.
    assert.equal(warm.calls, 2 * (ROWS / 16) + 2);
    const cases: Array<[tf.Tensor1D, string]> = [
      [labels({ 35: 12 }), message(SCE, "row 3 of fit batch 2", "12", TOO_BIG)],
      [labels({ 17: -1 }), message(SCE, "row 1 of fit batch 1", "-1", NEGATIVE)],
      [labels({ 63: 2.7, 20: 3.5 }, "float32"), message(SCE, "row 4 of fit batch 1", "3.5", NOT_WHOLE)],
    ];
    for (const [y, text] of cases) {
      // The datasets' own element tensors are made up front, so the count below is the loop's alone.
      const [forFit, forEvaluate, forValidation] = [batches(y), batches(y), batches(y)];
      const before = tf.memory().numTensors;
      await assert.rejects(model.fit(forFit, undefined, { epochs: 1, verbose: 0 }), refusedWith(text));
      assert.equal(tf.memory().numTensors, before, `tensors leaked refusing: ${text}`);
      const evaluateText = text.replace("fit batch", "evaluate batch");
      await assert.rejects(model.evaluate(forEvaluate), refusedWith(evaluateText));
      await assert.rejects(
        model.fit(x, good, { epochs: 1, verbose: 0, validationData: forValidation }),
        refusedWith(text.replace("fit batch", "validation batch")),
      );
      assert.equal(tf.memory().numTensors, before, `tensors leaked refusing: ${text}`);
      y.dispose();
    }
    model.dispose();
    tf.dispose([x, good]);
  });

  test(`losses and metrics on their own check their labels at once (${backend})`, async () => {
    const model = classifier(backend);
    await model.ready();
    const yPred = tf.zeros([4, CLASSES]);
    const y = tf.tensor1d([1, 2, 12, 3], "int32");
    const before = tf.memory().numTensors;
    // (Called under tf.tidy, as any tfjs code outside a step should be, so intermediates are freed on the throw.)
    assert.throws(() => tf.tidy(() => losses.sparseCategoricalCrossentropy().call(y, yPred)), refusedWith(message(SCE, "row 2 of yTrue", "12", TOO_BIG)));
    assert.throws(() => tf.tidy(() => metrics.sparseCategoricalAccuracy().call(y, yPred)), refusedWith(message("sparse_categorical_accuracy", "row 2 of yTrue", "12", TOO_BIG)));
    assert.throws(
      () => tf.tidy(() => metrics.sparseTopKCategoricalAccuracy({ k: 3 }).call(tf.tensor2d([[0], [2.5], [1], [1]]), yPred)),
      refusedWith(message("sparse_top_k_categorical_accuracy", "row 1 of yTrue", "2.5", NOT_WHOLE)),
    );
    assert.equal(tf.memory().numTensors, before);
    // Valid labels still compute.
    const ok = losses.sparseCategoricalCrossentropy({ fromLogits: true }).call(tf.tensor1d([1, 2, 9, 0], "int32"), yPred);
    assert.ok(Math.abs(ok.dataSync()[0] - Math.log(CLASSES)) < 1e-5);
    tf.dispose([ok, yPred, y]);
    model.dispose();
  });
}

test("datasets on a backend without the label kernel: the composed check finds the same first label", async () => {
  const model = classifier("cpu");
  await model.ready();
  const x = features();
  const y = labels({ 50: 2.5, 51: 12 }, "float32");
  const data = tf.data.zip({ x: tf.data.array(tf.unstack(x)), y: tf.data.array(tf.unstack(y)) }).batch(16);
  const before = tf.memory().numTensors;
  await withoutKernels([SPARSE_LABEL_CHECK], () =>
    assert.rejects(model.fit(data, undefined, { epochs: 1, verbose: 0 }), refusedWith(message(SCE, "row 2 of fit batch 3", "2.5", NOT_WHOLE))),
  );
  model.dispose(); // (the fit initialized it: its States are the only tensors it may hold)
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
});
