// Issue 15.8: numeric faults and error paths. TerminateOnNaN puts back the last finite States
// and says so; ModelCheckpoint never writes (or calls "best") non-finite params; a learning-rate
// schedule returning NaN or a negative rate is refused with the step; a fit failing on a
// mismatched batch from an iterable leaks nothing; fit({ resume }) at its last epoch says so.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ElegyInputError, Model, States, callbacks, losses, metrics, nn, optimizers, testStep, tf, type Logs } from "elegy-ts";
import { LinearRegression, regressionData, tmpDir } from "../support/models";

/** Captures what `fn` writes to stderr. */
async function stderrOf<T>(fn: () => Promise<T>): Promise<{ result: T; text: string }> {
  const original = process.stderr.write.bind(process.stderr);
  let text = "";
  (process.stderr as unknown as { write: (chunk: string) => boolean }).write = (chunk: string) => {
    text += chunk;
    return true;
  };
  try {
    return { result: await fn(), text };
  } finally {
    (process.stderr as unknown as { write: typeof original }).write = original;
  }
}

/** Linear regression whose update at training batch `poison` (1-based, over the whole fit) makes the params NaN. */
class Poisoned extends Model {
  batches = 0;
  poison = 7;
  @testStep
  test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean, training: boolean): [tf.Scalar, Logs, States] {
    const w = initializing ? tf.zeros([x.shape[1]!, 1]) : (states.netParams as tf.Tensor);
    let loss = tf.mean(tf.square(x.matMul(w).reshape([-1]).sub(yTrue))) as tf.Scalar;
    // A gradient of NaN: this batch's loss is NaN and its update makes w NaN.
    if (training && !initializing && ++this.batches === this.poison) loss = loss.mul(tf.scalar(NaN).add(w.sum())) as tf.Scalar;
    return [loss, { loss }, states.update({ netParams: w })];
  }
}

test("terminateOnNaN puts back the params of the last finite batch start and says so", async () => {
  const { x, y } = regressionData(32);
  const [x16, y16] = [x.slice(0, 16), y.slice(0, 16)];
  const model = new Poisoned({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
  const before = tf.memory().numTensors;
  // The params at the start of batch 7 overall (epoch 1, batch 2): those of a run stopped there.
  const reference = new Poisoned({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
  reference.poison = Infinity;
  await reference.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
  await reference.fit(x16, y16, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
  const expected = Array.from((reference.states.netParams as tf.Tensor).dataSync());

  const nan = callbacks.terminateOnNaN();
  const { text } = await stderrOf(() => model.fit(x, y, { epochs: 5, batchSize: 8, shuffle: false, verbose: 0, callbacks: [nan] }));
  assert.deepEqual(nan.terminatedAt, { epoch: 1, batch: 2 });
  assert.deepEqual(nan.restoredFrom, { epoch: 1, batch: 2 });
  assert.equal(
    text,
    "Batch 2: Invalid loss (NaN), terminating training. Restored the params, net states and optimizer states from the start of batch 2, the last that were finite.\n",
  );
  assert.deepEqual(Array.from((model.states.netParams as tf.Tensor).dataSync()), expected);
  reference.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, before, "the snapshots are freed");

  // restore: false keeps the NaN params and says so.
  const kept = new Poisoned({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
  const off = callbacks.terminateOnNaN({ restore: false });
  const run = await stderrOf(() => kept.fit(x, y, { epochs: 5, batchSize: 8, shuffle: false, verbose: 0, callbacks: [off] }));
  assert.equal(run.text, "Batch 2: Invalid loss (NaN), terminating training. The params may hold NaN or Infinity now (restore: false); load a checkpoint before using the model.\n");
  assert.ok(Array.from((kept.states.netParams as tf.Tensor).dataSync()).every(Number.isNaN));
  kept.dispose();
  tf.dispose([x, y, x16, y16]);
});

test("modelCheckpoint never writes non-finite params, nor calls them best, even when the epoch's loss is finite", async () => {
  const { x, y } = regressionData(32);
  // Only the update is poisoned: at the last batch of epoch 2 the logged loss is finite, the params become NaN.
  class UpdateOnly extends Model {
    batches = 0;
    @testStep
    test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean, training: boolean): [tf.Scalar, Logs, States] {
      const w = initializing ? tf.zeros([x.shape[1]!, 1]) : (states.netParams as tf.Tensor);
      const clean = tf.mean(tf.square(x.matMul(w).reshape([-1]).sub(yTrue))) as tf.Scalar;
      // At batch 8 the gradient is NaN but the logged loss is the clean one.
      const loss = training && !initializing && ++this.batches === 8 ? (clean.add(tf.scalar(NaN).mul(w.sum())) as tf.Scalar) : clean;
      return [loss, { loss: clean }, states.update({ netParams: w })];
    }
  }
  const model = new UpdateOnly({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
  const dir = tmpDir("best");
  const best = callbacks.modelCheckpoint({ filepath: path.join(dir, "best"), monitor: "loss", saveBestOnly: true });
  const every = callbacks.modelCheckpoint({ filepath: path.join(dir, "epoch-{epoch}") });
  const { text } = await stderrOf(() => model.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0, callbacks: [best, every] }));
  const history = model.epoch;
  assert.equal(history, 3);
  assert.deepEqual(every.saved, [path.join(dir, "epoch-1")]);
  assert.deepEqual(best.saved, [path.join(dir, "best")]);
  assert.equal(
    text,
    "elegy-ts: ModelCheckpoint skipped epoch 2: the params hold NaN or Infinity; the last good checkpoint is kept.\n".repeat(2) +
      "elegy-ts: ModelCheckpoint skipped epoch 3: loss is NaN; the last good checkpoint is kept.\n".repeat(2),
  );
  const saved = await UpdateOnly.load(path.join(dir, "best"), { backend: "cpu" });
  assert.equal(saved.epoch, 1);
  assert.ok(Array.from((saved.states.netParams as tf.Tensor).dataSync()).every(Number.isFinite));
  assert.ok(Number.isFinite(best.best!));
  saved.dispose();
  model.dispose();
  tf.dispose([x, y]);
});

for (const [what, rate, shown] of [["NaN", NaN, "NaN"], ["a negative rate", -0.5, "-0.5"]] as const) {
  test(`a learning-rate schedule returning ${what} is refused with its step; that update is not applied`, async () => {
    const { x, y } = regressionData(32);
    // Fine for steps 0..4, bad from step 5 on (step = updates already applied).
    const schedule = (step: tf.Scalar) => tf.where(tf.less(step, 5), tf.scalar(0.01), tf.scalar(rate)) as tf.Scalar;
    for (const optimizer of [optimizers.sgd(schedule), optimizers.adam({ learningRate: schedule })]) {
      const model = new LinearRegression({ optimizer, backend: "cpu" });
      await assert.rejects(
        model.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 }),
        (e: Error) => e instanceof ElegyInputError && e.message ===
          `${optimizer.name}: the learning-rate schedule returned ${shown} for step 5 (in fit batch 1); a learning rate must be a finite number >= 0, ` +
          "so that step's update was not applied. Fix the schedule (e.g. clamp it: tf.maximum(rate, 0)).",
      );
      assert.equal(model.epoch, 1, "refused at the end of the epoch of step 5");
      assert.ok(Array.from((model.states.netParams as tf.Tensor).dataSync()).every(Number.isFinite));
      model.dispose();
    }
    tf.dispose([x, y]);
  });
}

test("built-in schedules refuse options that would give a negative or non-finite rate", () => {
  assert.throws(() => optimizers.exponentialDecay({ initialLearningRate: -1, decaySteps: 10, decayRate: 0.9 }), /exponentialDecay initialLearningRate must be a finite number >= 0 \(a learning rate\), got -1/);
  assert.throws(() => optimizers.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: NaN }), /exponentialDecay decayRate must be a finite number >= 0/);
  assert.throws(() => optimizers.piecewiseConstantDecay({ boundaries: [10], values: [0.1, -0.01] }), /piecewiseConstantDecay values\[1\] must be a finite number >= 0/);
  assert.throws(() => optimizers.cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, alpha: 2 }), /cosineDecay alpha must be between 0 and 1, got 2/);
  assert.throws(() => optimizers.linearWarmup({ warmupSteps: 10, to: Infinity }), /linearWarmup to must be a finite number >= 0/);
});

test("a fit failing on a mismatched batch from an iterable leaks no tensor, however often", async () => {
  const model = new Model({
    module: new nn.Sequential([new nn.Linear(4), nn.relu, new nn.Linear(3)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: metrics.sparseCategoricalAccuracy(),
    optimizer: optimizers.adam(0.01),
    backend: "cpu",
  });
  function* batches(): Generator<{ x: tf.Tensor; y: tf.Tensor }> {
    yield { x: tf.ones([4, 5]), y: tf.tensor1d([0, 1, 2, 0], "int32") };
    yield { x: tf.ones([4, 5]), y: tf.tensor1d([0, 1, 2, 0], "int32") };
    yield { x: tf.ones([4, 6]), y: tf.tensor1d([0, 1, 2, 0], "int32") }; // one feature too many
  }
  function* unequalRows(): Generator<{ x: tf.Tensor; y: tf.Tensor; sampleWeight?: tf.Tensor }> {
    yield { x: tf.ones([4, 5]), y: tf.tensor1d([0, 1, 2, 0], "int32") };
    yield { x: tf.ones([4, 5]), y: tf.tensor1d([0, 1, 2], "int32"), sampleWeight: tf.ones([4]) }; // y has 3 rows
  }
  function* foreignField(): Generator<Record<string, tf.Tensor>> {
    yield { x: tf.ones([4, 5]), y: tf.tensor1d([0, 1, 2, 0], "int32") };
    yield { x: tf.ones([4, 5]), label: tf.tensor1d([0, 1, 2, 0], "int32") };
  }
  await model.fit(batches(), undefined, { epochs: 1, stepsPerEpoch: 2, verbose: 0 }); // initialized
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    await assert.rejects(model.fit(batches(), undefined, { epochs: 1, verbose: 0 }));
    await assert.rejects(model.fit(unequalRows(), undefined, { epochs: 1, verbose: 0 }), /y has 3 examples but x has 4/);
    await assert.rejects(model.fit(foreignField(), undefined, { epochs: 1, verbose: 0 }), /has the field 'label'/);
    await assert.rejects(model.evaluate(unequalRows()), /y has 3 examples but x has 4/);
    await assert.rejects(model.evaluate(batches()));
    await assert.rejects(model.predict({ *[Symbol.iterator]() { yield { x: tf.ones([2, 5]) }; yield { x: tf.ones([2, 7]) }; } }));
    assert.equal(tf.memory().numTensors, before, `after failure ${i + 1}`);
  }
  model.dispose();
});

test("fit({ resume }) from a checkpoint that already reached `epochs` says it has nothing to train", async () => {
  const { x, y } = regressionData(16);
  const model = new LinearRegression({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
  await model.fit(x, y, { epochs: 3, verbose: 0 });
  const dir = tmpDir("resume-done");
  await model.save(dir);
  const resumed = new LinearRegression({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
  const { result, text } = await stderrOf(() => resumed.fit(x, y, { epochs: 3, verbose: 0, resume: dir }));
  assert.equal(text, `elegy-ts: nothing to train: the checkpoint at ${dir} has already completed 3 of 3 epochs. Pass a larger epochs to train on.\n`);
  assert.deepEqual(result.history, {});
  assert.equal(resumed.epoch, 3);
  model.dispose();
  resumed.dispose();
  tf.dispose([x, y]);
  assert.ok(fs.existsSync(dir));
});
