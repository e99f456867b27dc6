// tfjs has one active backend per process. A call of one model that overlaps a call of another
// model on a different backend is refused before it switches anything (it would leave the
// running call computing on the other backend without a word); calls on the same backend
// overlap as before; a backend switched under a running call anyway stops its next step.
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyBackendError, ElegyBusyError, Model, callbacks, losses, nn, optimizers, ready, tf, type ModelOptions } from "elegy-ts";
import { slowBatches } from "../support/slow-batches";

const ROWS = 96;
const FIT = { epochs: 2, batchSize: 16, verbose: 0 } as const;

/** Two classes, so the messages show which model is which. */
class CpuClassifier extends Model {}
class WasmClassifier extends Model {}

function options(backend: string | undefined): ModelOptions {
  return {
    module: new nn.Sequential([new nn.Linear(8), nn.relu, new nn.Linear(4)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    optimizer: optimizers.adam(0.01),
    seed: 5,
    ...(backend === undefined ? {} : { backend }),
  };
}

function data(): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const x = tf.randomNormal([ROWS, 6], 0, 1, "float32", 2) as tf.Tensor2D;
  const y = tf.tensor1d(Array.from({ length: ROWS }, (_, i) => (i * 5) % 4), "int32");
  return { x, y };
}

/** A fit with slow batches, and a promise that resolves once its first batch has run (the fit is then under way). */
function fitUnderWay(model: Model, x: tf.Tensor, y: tf.Tensor): { fit: Promise<{ history: Record<string, number[]> }>; underWay: Promise<void> } {
  let started!: () => void;
  const underWay = new Promise<void>((resolve) => (started = resolve));
  const fit = model.fit(x, y, { ...FIT, callbacks: [slowBatches(), callbacks.lambda({ onTrainBatchEnd: () => started() })] });
  return { fit, underWay };
}

const refused = (call: string, wanted: string, running: string, held: string, runningClass = "CpuClassifier", callingClass = "WasmClassifier") =>
  `${callingClass}.${call}() needs backend "${wanted}", but ${runningClass}.${running}() of another model is running on "${held}". ` +
  `tfjs has one active backend per process: switching it now would leave the running ${running}() computing on another backend without a word. ` +
  `Await that ${running}() before calling ${call}(), or give both models the same backend option.`;

async function aloneHistory(make: () => Model, x: tf.Tensor, y: tf.Tensor): Promise<Record<string, number[]>> {
  const model = make();
  const { history } = await model.fit(x, y, FIT);
  model.dispose();
  return history;
}

test("a wasm model's fit or predict during a cpu model's fit is refused; the cpu fit trains as alone; the wasm calls work once it settles", async () => {
  await ready("wasm"); // both backends loaded, so the test measures the guard, not a first load
  await ready("cpu");
  const { x, y } = data();
  const before = tf.memory().numTensors;
  const expected = await aloneHistory(() => new CpuClassifier(options("cpu")), x, y);
  const cpu = new CpuClassifier(options("cpu"));
  const wasm = new WasmClassifier(options("wasm"));
  const { fit, underWay } = fitUnderWay(cpu, x, y);
  await underWay;
  await assert.rejects(wasm.fit(x, y, FIT), (e: Error) => e instanceof ElegyBusyError && e.message === refused("fit", "wasm", "fit", "cpu"));
  assert.equal(tf.getBackend(), "cpu", "the refused call switched nothing");
  await assert.rejects(wasm.predict(x), (e: Error) => e instanceof ElegyBusyError && e.message === refused("predict", "wasm", "fit", "cpu"));
  await assert.rejects(wasm.predictOnBatch(x), (e: Error) => e.message === refused("predictOnBatch", "wasm", "fit", "cpu"));
  await assert.rejects(wasm.ready(), (e: Error) => e.message === refused("ready", "wasm", "fit", "cpu"));
  // No model has used "auto" yet in this process (this test runs first): an auto model's backend is not known, so it is refused too.
  await assert.rejects(new WasmClassifier(options("auto")).predict(x), {
    name: "ElegyBusyError",
    message:
      'WasmClassifier.predict() needs the backend "auto" picks, which it has not chosen yet in this process, but CpuClassifier.fit() ' +
      'of another model is running on "cpu". tfjs has one active backend per process: switching it now would leave the running fit() ' +
      "computing on another backend without a word. Await that fit() before calling predict(), or give both models the same backend option.",
  });
  assert.equal(wasm.initialized, false, "the refused calls initialized nothing");
  const { history } = await fit;
  assert.deepEqual(history, expected);
  // Once the cpu fit has settled, the wasm model runs (on wasm), and the cpu model's predict is refused during its fit.
  const wasmRun = fitUnderWay(wasm, x, y);
  await wasmRun.underWay;
  assert.equal(tf.getBackend(), "wasm");
  await assert.rejects(cpu.predict(x), (e: Error) => e.message === refused("predict", "cpu", "fit", "wasm", "WasmClassifier", "CpuClassifier"));
  const wasmHistory = (await wasmRun.fit).history;
  assert.equal(wasmHistory.loss.length, 2);
  assert.ok(wasmHistory.loss.every(Number.isFinite));
  const prediction = (await cpu.predict(x)) as tf.Tensor;
  assert.equal(tf.getBackend(), "cpu");
  assert.deepEqual(prediction.shape, [ROWS, 4]);
  prediction.dispose();
  cpu.dispose();
  wasm.dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
});

test("calls on the same backend overlap: two cpu fits give the histories each gives alone; a model without a backend option joins either", async () => {
  await ready("cpu");
  const { x, y } = data();
  const before = tf.memory().numTensors;
  const expected = await aloneHistory(() => new CpuClassifier(options("cpu")), x, y);
  const a = new CpuClassifier(options("cpu"));
  const b = new CpuClassifier(options("cpu"));
  const runA = fitUnderWay(a, x, y);
  const runB = fitUnderWay(b, x, y);
  await Promise.all([runA.underWay, runB.underWay]);
  // A model that names no backend takes the one running: its predict is never refused.
  const any = new Model(options(undefined));
  const predicted = (await any.predict(x)) as tf.Tensor;
  assert.equal(tf.getBackend(), "cpu");
  const [historyA, historyB] = await Promise.all([runA.fit, runB.fit]);
  assert.deepEqual(historyA.history, expected);
  assert.deepEqual(historyB.history, expected);
  assert.deepEqual(predicted.shape, [ROWS, 4]);
  predicted.dispose();
  [a, b, any].forEach((m) => m.dispose());
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
});

test('"auto" is compared by the backend it resolves to (wasm here)', async () => {
  await ready("auto"); // auto has chosen (wasm: the native packages are not installed here)
  const { x, y } = data();
  const before = tf.memory().numTensors;
  const auto = new WasmClassifier(options("auto"));
  // During a wasm fit, the auto model runs alongside.
  const wasm = new WasmClassifier(options("wasm"));
  const wasmRun = fitUnderWay(wasm, x, y);
  await wasmRun.underWay;
  const alongside = (await auto.predict(x)) as tf.Tensor;
  await wasmRun.fit;
  // During a cpu fit, it is refused, named by its resolved backend.
  const cpu = new CpuClassifier(options("cpu"));
  const cpuRun = fitUnderWay(cpu, x, y);
  await cpuRun.underWay;
  await assert.rejects(auto.evaluate(x, y), (e: Error) => e.message === refused("evaluate", "wasm", "fit", "cpu"));
  await cpuRun.fit;
  alongside.dispose();
  [auto, wasm, cpu].forEach((m) => m.dispose());
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
});

test("a backend switched under a running fit (tf.setBackend in a callback) stops its next step with the reason", async () => {
  await ready("wasm");
  await ready("cpu");
  const { x, y } = data();
  const before = tf.memory().numTensors;
  const model = new CpuClassifier(options("cpu"));
  const switching = callbacks.lambda({ onTrainBatchEnd: async (batch: number) => void (batch === 1 && (await tf.setBackend("wasm"))) });
  await assert.rejects(model.fit(x, y, { ...FIT, callbacks: [switching] }), (e: Error) => {
    assert.ok(e instanceof ElegyBackendError);
    assert.equal(
      e.message,
      'CpuClassifier: a fit step was about to run on tfjs\'s "wasm" backend, but this call runs on "cpu": tfjs\'s backend was switched ' +
        "while the call was under way (tf.setBackend or ready() in a callback, or in code running between batches). tfjs has one active " +
        "backend per process, so the step was stopped rather than run on another backend. Switch backends only between calls, or give " +
        "the model the backend option you want.",
    );
    return true;
  });
  // The model is usable again: its next call activates cpu and trains.
  const { history } = await model.fit(x, y, FIT);
  assert.equal(tf.getBackend(), "cpu");
  assert.ok(history.loss.every(Number.isFinite));
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
});
