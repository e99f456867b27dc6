import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Model, States, callbacks, optimizers, testStep, tf, type Logs } from "elegy-ts";
import { LinearRegression, LinearRegressionWithPredStep, regressionData, tmpDir } from "../support/models";

const silent = { verbose: 0 as const };

/** Every hook of the callback protocol (src/callbacks/callback.ts). */
const HOOKS = [
  "onTrainBegin", "onTrainEnd", "onEpochBegin", "onEpochEnd", "onTrainBatchBegin", "onTrainBatchEnd",
  "onTestBegin", "onTestEnd", "onTestBatchBegin", "onTestBatchEnd",
  "onPredictBegin", "onPredictEnd", "onPredictBatchBegin", "onPredictBatchEnd",
] as const;

test("callbacks: every hook runs in Keras' order — fit with validation, evaluate, predict — History last", async () => {
  const order: string[] = [];
  const every = (label: string) => callbacks.lambda(Object.fromEntries(HOOKS.map((name) => [
    name, (...args: unknown[]) => void order.push(`${label}:${name.replace(/^on/, "")}${typeof args[0] === "number" ? `(${args[0]})` : ""}`),
  ])));
  const { x, y } = regressionData(20);
  const model = new LinearRegressionWithPredStep({ optimizer: optimizers.sgd(0.1), backend: "cpu" });
  const history = await model.fit(x, y, { ...silent, epochs: 2, batchSize: 10, validationData: [x, y], callbacks: [every("a"), every("b")] });
  const train = (b: number) => [`a:TrainBatchBegin(${b})`, `b:TrainBatchBegin(${b})`, `a:TrainBatchEnd(${b})`, `b:TrainBatchEnd(${b})`];
  const test_ = (b: number) => [`a:TestBatchBegin(${b})`, `b:TestBatchBegin(${b})`, `a:TestBatchEnd(${b})`, `b:TestBatchEnd(${b})`];
  const epoch = (e: number) => [
    `a:EpochBegin(${e})`, `b:EpochBegin(${e})`, ...train(0), ...train(1),
    // validation runs the fit callbacks' test hooks, as Keras does
    "a:TestBegin", "b:TestBegin", ...test_(0), ...test_(1), "a:TestEnd", "b:TestEnd",
    `a:EpochEnd(${e})`, `b:EpochEnd(${e})`,
  ];
  assert.deepEqual(order, ["a:TrainBegin", "b:TrainBegin", ...epoch(0), ...epoch(1), "a:TrainEnd", "b:TrainEnd"]);
  assert.deepEqual(history.epoch, [0, 1], "History, last in the list, saw both epochs");

  order.length = 0;
  await model.evaluate(x, y, { batchSize: 10, callbacks: [every("a")] });
  assert.deepEqual(order, ["a:TestBegin", "a:TestBatchBegin(0)", "a:TestBatchEnd(0)", "a:TestBatchBegin(1)", "a:TestBatchEnd(1)", "a:TestEnd"]);

  order.length = 0;
  const out = (await model.predict(x, { batchSize: 10, callbacks: [every("a")] })) as tf.Tensor;
  assert.deepEqual(order, ["a:PredictBegin", "a:PredictBatchBegin(0)", "a:PredictBatchEnd(0)", "a:PredictBatchBegin(1)", "a:PredictBatchEnd(1)", "a:PredictEnd"]);
  assert.deepEqual(out.shape, [20]);
  tf.dispose([x, y, out]);
});

test("callbacks: predict on a model without a prediction step fails before any batch hook", async () => {
  const order: string[] = [];
  const { x, y } = regressionData(20);
  const model = new LinearRegression({ optimizer: optimizers.sgd(0.1), backend: "cpu" });
  await model.fit(x, y, { ...silent, epochs: 1, batchSize: 10 });
  const out = await model.predict(x, { batchSize: 10, callbacks: [callbacks.lambda({
    onPredictBegin: () => void order.push("predictBegin"), onPredictBatchEnd: (b) => void order.push(`predictBatchEnd(${b})`),
  })] }).catch((e: Error) => e);
  assert.ok(out instanceof Error && /LinearRegression cannot predict: it has no prediction step/.test(out.message));
  assert.deepEqual(order, []);
  tf.dispose([x, y]);
});

test("History: one number per epoch per log, val_ prefixed, epochs counted from initialEpoch", async () => {
  const { x, y } = regressionData(64);
  const model = new LinearRegression({ optimizer: optimizers.adam(0.1), backend: "cpu" });
  const history = await model.fit(x, y, { ...silent, epochs: 3, batchSize: 16, validationSplit: 0.25 });
  assert.deepEqual(history.epoch, [0, 1, 2]);
  assert.deepEqual(Object.keys(history.history).sort(), ["loss", "lr", "val_loss"]);
  for (const series of Object.values(history.history)) assert.equal(series.length, 3);
  assert.ok(history.history.loss[2] < history.history.loss[0], "training reduces the loss");
  assert.equal(model.epoch, 3);
  const more = await model.fit(x, y, { ...silent, epochs: 5, initialEpoch: model.epoch, batchSize: 16 });
  assert.deepEqual(more.epoch, [3, 4]);
  assert.equal(model.epoch, 5);
  // As Keras numbers them: a fit without initialEpoch counts from 0 again, and model.epoch is where it ended.
  const again = await model.fit(x, y, { ...silent, epochs: 2, batchSize: 16 });
  assert.deepEqual(again.epoch, [0, 1]);
  assert.equal(model.epoch, 2);
  tf.dispose([x, y]);
});

test("validationFreq validates only every N epochs", async () => {
  const { x, y } = regressionData(32);
  const model = new LinearRegression({ optimizer: optimizers.adam(0.1), backend: "cpu" });
  const seen: boolean[] = [];
  await model.fit(x, y, { ...silent, epochs: 4, batchSize: 16, validationData: { x, y }, validationFreq: 2,
    callbacks: [callbacks.lambda({ onEpochEnd: (_e, logs) => void seen.push("val_loss" in logs) })] });
  assert.deepEqual(seen, [false, true, false, true]);
  tf.dispose([x, y]);
});

/** A model whose validation loss follows a script, to drive EarlyStopping exactly. */
class Scripted extends Model {
  valLosses: number[] = [];
  @testStep
  test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean, training: boolean): [tf.Scalar, Logs, States] {
    const w = initializing ? tf.zeros([x.shape[1]!, 1]) : (states.netParams as tf.Tensor);
    const loss = tf.mean(tf.square(x.matMul(w).reshape([-1]).sub(yTrue))) as tf.Scalar;
    const scripted = training ? loss : tf.scalar(this.valLosses.shift() ?? 99);
    return [loss, { loss: scripted }, states.update({ netParams: w })];
  }
}

test("EarlyStopping: stops after `patience` epochs without improvement and restores the best weights", async () => {
  const { x, y } = regressionData(16);
  const model = new Scripted({ optimizer: optimizers.sgd(0.05), backend: "cpu" });
  // One validation batch per epoch: val_loss = 5, 3, 4, 3.5, 6, …; best at epoch 1.
  model.valLosses = [5, 3, 4, 3.5, 6, 7, 8];
  const weightsAt: number[][] = [];
  const early = callbacks.earlyStopping({ monitor: "val_loss", patience: 2, restoreBestWeights: true });
  const history = await model.fit(x, y, { ...silent, epochs: 10, batchSize: 16, validationData: [x, y],
    callbacks: [callbacks.lambda({ onEpochEnd: () => void weightsAt.push(Array.from((model.states.netParams as tf.Tensor).dataSync())) }), early] });
  assert.deepEqual(history.epoch, [0, 1, 2, 3], "stopped at epoch 3: two epochs without beating 3");
  assert.equal(early.stoppedEpoch, 3);
  assert.equal(early.bestEpoch, 1);
  assert.deepEqual(Array.from((model.states.netParams as tf.Tensor).dataSync()), weightsAt[1], "weights of the best epoch restored");
  tf.dispose([x, y]);
});

test("EarlyStopping: minDelta, mode max and baseline", async () => {
  const { x, y } = regressionData(16);
  const run = async (valLosses: number[], options: Parameters<typeof callbacks.earlyStopping>[0]) => {
    const model = new Scripted({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
    model.valLosses = [...valLosses];
    const h = await model.fit(x, y, { ...silent, epochs: valLosses.length, batchSize: 16, validationData: [x, y], callbacks: [callbacks.earlyStopping(options)] });
    return h.epoch.length;
  };
  assert.equal(await run([1, 0.95, 0.9, 0.85, 0.8], { patience: 1, minDelta: 0.1 }), 2, "improvements below minDelta do not count");
  assert.equal(await run([1, 2, 3, 2, 1], { mode: "max", patience: 1 }), 4, "mode max: stops after the first drop");
  // An improving epoch never stops training (Keras); below the baseline, patience is not reset by improvements.
  assert.equal(await run([5, 4, 4.5, 4.6, 4.7], { patience: 2 }), 4, "no baseline: the improvement at epoch 1 resets patience");
  assert.equal(await run([5, 4, 4.5, 4.6, 4.7], { baseline: 2, patience: 2 }), 3, "baseline never beaten: patience ran from the start");
  tf.dispose([x, y]);
});

test("ModelCheckpoint: every epoch, every N epochs, best only, with {epoch} and log placeholders", async () => {
  const { x, y } = regressionData(32);
  const dir = tmpDir("mc");
  const model = new LinearRegression({ optimizer: optimizers.adam(0.1), backend: "cpu" });
  const every = callbacks.modelCheckpoint({ filepath: path.join(dir, "e{epoch:02d}") });
  const second = callbacks.modelCheckpoint({ filepath: path.join(dir, "p{epoch}"), period: 2 });
  const best = callbacks.modelCheckpoint({ filepath: path.join(dir, "best"), monitor: "loss", saveBestOnly: true });
  const history = await model.fit(x, y, { ...silent, epochs: 4, batchSize: 8, callbacks: [every, second, best] });
  assert.deepEqual(every.saved.map((p) => path.basename(p)), ["e01", "e02", "e03", "e04"]);
  assert.deepEqual(second.saved.map((p) => path.basename(p)), ["p2", "p4"]);
  const improvements = history.history.loss.filter((v, i, all) => all.slice(0, i).every((prev) => v < prev)).length;
  assert.equal(best.saved.length, improvements, "best-only saves exactly at each improvement");
  const restored = await LinearRegression.load(path.join(dir, "e04"), { backend: "cpu" });
  assert.equal(restored.epoch, 4);
  assert.deepEqual(Array.from((restored.states.netParams as tf.Tensor).dataSync()), Array.from((model.states.netParams as tf.Tensor).dataSync()));
  assert.equal(callbacks.formatPath("c-{epoch:03d}-{val_loss:.2f}", { epoch: 7, val_loss: 0.12345 }), "c-007-0.12");
  tf.dispose([x, y]);
});

test("CSVLogger: header of sorted log names, one row per epoch, append mode", async () => {
  const { x, y } = regressionData(32);
  const file = path.join(tmpDir("csv"), "log.csv");
  const model = new LinearRegression({ optimizer: optimizers.adam(0.1), backend: "cpu" });
  const history = await model.fit(x, y, { ...silent, epochs: 2, batchSize: 16, validationSplit: 0.5, callbacks: [callbacks.csvLogger(file)] });
  const lines = fs.readFileSync(file, "utf8").trim().split("\n");
  assert.equal(lines[0], "epoch,loss,lr,val_loss");
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[2].split(",").map(Number), [1, history.history.loss[1], history.history.lr[1], history.history.val_loss[1]]);
  await model.fit(x, y, { ...silent, epochs: 3, initialEpoch: 2, batchSize: 16, validationSplit: 0.5, callbacks: [callbacks.csvLogger({ filename: file, append: true })] });
  const appended = fs.readFileSync(file, "utf8").trim().split("\n");
  assert.equal(appended.length, 4);
  assert.equal(appended[3].split(",")[0], "2");
  tf.dispose([x, y]);
});

test("TerminateOnNaN: stops at the first NaN batch; the last good checkpoint stays loadable", async () => {
  class Diverges extends Model {
    batches = 0;
    @testStep
    test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean, training: boolean): [tf.Scalar, Logs, States] {
      const w = initializing ? tf.zeros([x.shape[1]!, 1]) : (states.netParams as tf.Tensor);
      let loss = tf.mean(tf.square(x.matMul(w).reshape([-1]).sub(yTrue))) as tf.Scalar;
      if (training && !initializing && ++this.batches === 7) loss = loss.mul(NaN) as tf.Scalar;
      return [loss, { loss }, states.update({ netParams: w })];
    }
  }
  const { x, y } = regressionData(32);
  const dir = tmpDir("nan");
  const model = new Diverges({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
  const nan = callbacks.terminateOnNaN();
  const history = await model.fit(x, y, { ...silent, epochs: 10, batchSize: 8, shuffle: false,
    callbacks: [nan, callbacks.modelCheckpoint({ filepath: dir })] });
  assert.deepEqual(nan.terminatedAt, { epoch: 1, batch: 2 }, "batch 7 overall = epoch 1, batch 2 (4 batches per epoch)");
  assert.equal(history.epoch.length, 2);
  assert.ok(Number.isNaN(history.history.loss[1]));
  const restored = await Diverges.load(dir, { backend: "cpu" });
  assert.equal(restored.epoch, 1, "the epoch-1 checkpoint (NaN) was not written; epoch 0's is intact");
  assert.ok(Array.from((restored.states.netParams as tf.Tensor).dataSync()).every(Number.isFinite));
  tf.dispose([x, y]);
});

test("ReduceLROnPlateau: multiplies the learning rate by factor after patience epochs without improvement", async () => {
  const { x, y } = regressionData(16);
  const model = new Scripted({ optimizer: optimizers.adam(0.01), backend: "cpu" });
  model.valLosses = [5, 4, 4.5, 4.2, 4.1, 4.3, 3, 3.5];
  const history = await model.fit(x, y, { ...silent, epochs: 8, batchSize: 16, validationData: [x, y],
    callbacks: [callbacks.reduceLROnPlateau({ factor: 0.5, patience: 2, cooldown: 1, minLr: 0.002 })] });
  // Best 4 at epoch 1; epochs 2, 3 do not improve → halve (applies from epoch 4); cooldown 1 at epoch 4;
  // epochs 5 (4.3), then 6 improves (3), 7 does not: wait 1 < patience.
  const lr = history.history.lr.map((v) => Number(v.toPrecision(6)));
  assert.deepEqual(lr, [0.01, 0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.005]);
  tf.dispose([x, y]);
});
