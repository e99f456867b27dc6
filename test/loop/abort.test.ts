// fit({ signal }): an abort stops the fit at the end of the current batch, and the epoch it cut
// short is not counted — no validation, no onEpochEnd, model.epoch unchanged — while onTrainEnd
// still runs; an abort at an epoch's last batch leaves that epoch whole. How `elegy-ts train`
// stops on Ctrl-C (test/cli/interrupt.test.ts runs that for real).
import test from "node:test";
import assert from "node:assert/strict";
import { callbacks, optimizers, tf } from "elegy-ts";
import { LinearRegression, regressionData } from "../support/models";

function recorder(abortAt: { epoch: number; batch: number }, controller: AbortController) {
  const events: string[] = [];
  let epoch = 0;
  const callback = callbacks.lambda({
    onEpochBegin: (e) => {
      epoch = e;
      events.push(`epochBegin ${e}`);
    },
    onTrainBatchEnd: (batch) => {
      if (epoch === abortAt.epoch && batch === abortAt.batch) controller.abort();
    },
    onEpochEnd: (e) => void events.push(`epochEnd ${e}`),
    onTestBegin: () => void events.push("validation"),
    onTrainEnd: () => void events.push("trainEnd"),
  });
  return { callback, events };
}

test("fit({ signal }): aborted in epoch 2 after batch 3 of 5, fit ends there, epoch 2 uncounted, onTrainEnd runs, no tensor kept", async () => {
  const { x, y } = regressionData(50);
  const model = new LinearRegression({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
  const controller = new AbortController();
  const { callback, events } = recorder({ epoch: 1, batch: 2 }, controller);
  let batches = 0;
  const count = callbacks.lambda({ onTrainBatchEnd: () => void batches++ });
  await model.init(x, y, { batchSize: 10 });
  const before = tf.memory().numTensors;
  const history = await model.fit(x, y, {
    epochs: 4, batchSize: 10, verbose: 0, validationData: [x, y], callbacks: [callback, count], signal: controller.signal,
  });
  assert.deepEqual(events, ["epochBegin 0", "validation", "epochEnd 0", "epochBegin 1", "trainEnd"]);
  assert.equal(batches, 5 + 3, "the fit stopped at the end of the batch that saw the abort");
  assert.equal(model.epoch, 1, "the cut epoch is not counted");
  assert.deepEqual(history.epoch, [0]);
  // The model's states replaced their tensors batch by batch; nothing else stays behind.
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
});

test("fit({ signal }): an abort at an epoch's last batch keeps that epoch whole (validated, counted), then ends", async () => {
  const { x, y } = regressionData(50);
  const model = new LinearRegression({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
  const controller = new AbortController();
  const { callback, events } = recorder({ epoch: 0, batch: 4 }, controller);
  const history = await model.fit(x, y, { epochs: 4, batchSize: 10, verbose: 0, validationData: [x, y], callbacks: [callback], signal: controller.signal });
  assert.deepEqual(events, ["epochBegin 0", "validation", "epochEnd 0", "trainEnd"]);
  assert.equal(model.epoch, 1);
  assert.deepEqual(history.epoch, [0]);
  tf.dispose([x, y]);
});

test("fit({ signal }): a signal aborted before the fit trains nothing", async () => {
  const { x, y } = regressionData(20);
  const model = new LinearRegression({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
  const history = await model.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0, signal: AbortSignal.abort() });
  assert.deepEqual(history.epoch, []);
  assert.equal(model.epoch, 0);
  tf.dispose([x, y]);
});
