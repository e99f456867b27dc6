// Issue 15.1: one training or evaluation call at a time per model, with real overlapping
// promises. A second fit/evaluate/trainOnBatch/testOnBatch/init/loadWeights started while one
// runs is refused with a message naming the running call; predict and save during fit stay
// harmless; the running fit's history is exactly what it is when it runs alone.
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyBusyError, ElegyInputError, Model, losses, metrics, nn, optimizers, tf } from "elegy-ts";
import { tmpDir } from "../support/models";
import { slowBatches } from "../support/slow-batches";

const ROWS = 192;

function classifier(): Model {
  return new Model({
    module: new nn.Sequential([new nn.Linear(8), nn.relu, new nn.Linear(4)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: metrics.sparseCategoricalAccuracy(),
    optimizer: optimizers.adam(0.01),
    seed: 5,
    backend: "cpu",
  });
}

function data(): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const x = tf.randomNormal([ROWS, 6], 0, 1, "float32", 2) as tf.Tensor2D;
  const y = tf.tensor1d(Array.from({ length: ROWS }, (_, i) => (i * 5) % 4), "int32");
  return { x, y };
}

const FIT = { epochs: 3, batchSize: 16, verbose: 0 } as const;
const busy = (call: string, running: string) =>
  `${call}() was called while ${running}() is running on this model; await ${running}() first. ` +
  "Only predict, predictOnBatch, save and summary may run alongside a training or evaluation call.";

async function reference(options: object = FIT): Promise<Record<string, number[]>> {
  const { x, y } = data();
  const model = classifier();
  const history = await model.fit(x, y, options);
  model.dispose();
  tf.dispose([x, y]);
  return history.history;
}

test("two fits started together: the second is refused, the first trains its 3 epochs alone", async () => {
  const expected = await reference();
  const { x, y } = data();
  const model = classifier();
  const [first, second] = await Promise.allSettled([model.fit(x, y, FIT), model.fit(x, y, FIT)]);
  assert.equal(second.status, "rejected");
  const error = (second as PromiseRejectedResult).reason as Error;
  assert.ok(error instanceof ElegyBusyError && error instanceof ElegyInputError);
  assert.equal(error.message, busy("fit", "fit"));
  assert.equal(first.status, "fulfilled");
  assert.deepEqual((first as PromiseFulfilledResult<{ history: Record<string, number[]> }>).value.history, expected);
  assert.equal(model.epoch, 3);
  // The model is free again once the fit has settled.
  const after = await model.evaluate(x, y);
  assert.equal(typeof after.loss, "number");
  model.dispose();
  tf.dispose([x, y]);
});

test("every training and evaluation call is refused while fit runs; the fit's history is untouched", async () => {
  const expected = await reference();
  const { x, y } = data();
  const model = classifier();
  await model.init(x, y);
  const dir = tmpDir("busy");
  await model.save(dir);
  // Slow batches: the fit gives the event loop a turn after each, where the attempts run.
  const fit = model.fit(x, y, { ...FIT, callbacks: [slowBatches()] });
  const attempts: Array<[string, () => Promise<unknown>]> = [
    ["evaluate", () => model.evaluate(x, y)],
    ["trainOnBatch", () => model.trainOnBatch(x, y)],
    ["testOnBatch", () => model.testOnBatch(x, y)],
    ["init", () => model.init(x, y)],
    ["loadWeights", () => model.loadWeights(dir)],
  ];
  // Each attempt is made while the fit is in the middle of its batches, not before it starts.
  for (const [name, attempt] of attempts) {
    await new Promise((resolve) => setImmediate(resolve));
    await assert.rejects(attempt(), (e: Error) => e instanceof ElegyBusyError && e.message === busy(name, "fit"));
  }
  assert.throws(() => model.dispose(), (e: Error) => e instanceof ElegyBusyError && e.message === busy("dispose", "fit"));
  const history = await fit;
  // A fresh model from the same seed, init'ed the same way, trains to the same history.
  const alone = classifier();
  await alone.init(x, y);
  const aloneHistory = await alone.fit(x, y, FIT);
  assert.deepEqual(history.history, aloneHistory.history);
  assert.equal(expected.loss.length, 3);
  model.dispose();
  alone.dispose();
  tf.dispose([x, y]);
});

test("predict and save during fit work and leave the fit's history exactly as alone", async () => {
  const long = { ...FIT, batchSize: 4, epochs: 1 };
  const expected = await reference(long);
  const { x, y } = data();
  const model = classifier();
  const before = tf.memory().numTensors;
  const fit = model.fit(x, y, { ...long, callbacks: [slowBatches()] });
  const predictions: tf.Tensor[] = [];
  const dirs: string[] = [];
  let settled = false;
  void fit.finally(() => (settled = true));
  while (!settled) {
    await new Promise((resolve) => setImmediate(resolve));
    if (!model.initialized) continue;
    predictions.push((await model.predict(x)) as tf.Tensor);
    const dir = tmpDir("save-during-fit");
    await model.save(dir);
    dirs.push(dir);
  }
  const history = await fit;
  assert.deepEqual(history.history, expected);
  assert.ok(predictions.length >= 2, `only ${predictions.length} predictions ran during the fit`);
  for (const p of predictions) assert.deepEqual(p.shape, [ROWS, 4]);
  // Every checkpoint written during the fit loads back.
  for (const dir of dirs) {
    const loaded = await Model.load(dir, { module: new nn.Sequential([new nn.Linear(8), nn.relu, new nn.Linear(4)]), optimizer: optimizers.adam(0.01), backend: "cpu" });
    loaded.dispose();
  }
  tf.dispose(predictions);
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
});

test("a call that fails releases the model; two models train at the same time", async () => {
  const { x, y } = data();
  const model = classifier();
  await assert.rejects(model.fit(x, y, { epochs: 0 } as never), /epochs must be a positive integer/);
  await assert.rejects(model.evaluate(x, tf.zeros([3])), /y has 3 examples/);
  const other = classifier();
  const [a, b] = await Promise.all([model.fit(x, y, FIT), other.fit(x, y, FIT)]);
  assert.deepEqual(a.history, b.history);
  model.dispose();
  other.dispose();
  tf.dispose([x, y]);
});
