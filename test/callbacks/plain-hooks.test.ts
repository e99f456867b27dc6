// Plain objects of hooks as callbacks (tfjs-layers' habit): run as callbacks.lambda of the same
// hooks; keys that are no hook here are refused with the name to use.
import test from "node:test";
import assert from "node:assert/strict";
import { callbacks, optimizers, tf } from "elegy-ts";
import { LinearRegression, LinearRegressionWithPredStep, regressionData } from "../support/models";

test("callbacks: a plain object of hooks runs like callbacks.lambda of the same hooks, in fit, evaluate and predict", async () => {
  const { x, y } = regressionData(20);
  const model = new LinearRegressionWithPredStep({ optimizer: optimizers.sgd(0.1), backend: "cpu" });
  const seen: string[] = [];
  const history = await model.fit(x, y, {
    verbose: 0, epochs: 2, batchSize: 10,
    callbacks: [{ onEpochEnd: (epoch: number, logs: Record<string, number>) => void seen.push(`epoch ${epoch} loss ${logs.loss}`) }],
  });
  assert.deepEqual(seen, history.history.loss.map((loss, epoch) => `epoch ${epoch} loss ${loss}`));
  let batches = 0;
  await model.evaluate(x, y, { batchSize: 10, callbacks: [{ onTestBatchEnd: () => void batches++ }] });
  await model.predict(x, { batchSize: 5, callbacks: [{ onPredictBatchEnd: () => void batches++ }] });
  assert.equal(batches, 2 + 4);
  tf.dispose([x, y]);
});

test("callbacks: tfjs-layers' batch hooks, other keys, non-objects and a non-list are refused naming the fix", async () => {
  const { x, y } = regressionData(8);
  const model = new LinearRegression({ optimizer: optimizers.sgd(0.1), backend: "cpu" });
  const cases: Array<[unknown, string]> = [
    [[{ onBatchEnd() {} }], "fit(): callbacks[0] has the tfjs-layers hook 'onBatchEnd': it is onTrainBatchEnd(batch, info) here, and it gets info, not logs: await info.readLogs() reads the epoch's running logs."],
    [[{ onEpochEnd() {}, onYield() {} }], "fit(): callbacks[0] has the tfjs-layers hook 'onYield': elegy-ts has no such hook: use onTrainBatchEnd(batch, info)."],
    [[callbacks.terminateOnNaN(), { on_epoch_end() {} }], "fit(): callbacks[1] has the key 'on_epoch_end', which is no hook. Did you mean 'onEpochEnd'? An object of hooks may hold only hooks: onTrainBegin, onTrainEnd, onEpochBegin, onEpochEnd, onTrainBatchBegin, onTrainBatchEnd, onTestBegin, onTestEnd, onTestBatchBegin, onTestBatchEnd, onPredictBegin, onPredictEnd, onPredictBatchBegin, onPredictBatchEnd. Keep other state outside it, or subclass Callback."],
    [[{ onEpochEnd: 3 }], "fit(): callbacks[0].onEpochEnd must be a function, got number 3."],
    [[callbacks.earlyStopping], "fit(): callbacks[0] is a function (earlyStopping) (the factory callbacks.earlyStopping itself? call it: callbacks.earlyStopping(…)), not a callback: give a callback (callbacks.earlyStopping(…), …) or an object of hooks ({ onEpochEnd(epoch, logs) { … } })."],
    [callbacks.terminateOnNaN(), "fit(): callbacks must be a list, got an object (TerminateOnNaN): give [callback, …], e.g. callbacks: [callbacks.earlyStopping()]."],
  ];
  for (const [given, message] of cases) {
    await assert.rejects(model.fit(x, y, { verbose: 0, callbacks: given as never }), { name: "ElegyInputError", message });
  }
  tf.dispose([x, y]);
});
