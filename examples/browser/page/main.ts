// The browser example: the seed's LinearClassifier and the MLP train on an MNIST subset in this
// page, with a live display drawn from fit's callbacks, then predict a few test digits.
// Address options: ?backend=auto|webgpu|webgl|wasm|cpu, ?epochs=N, ?models=linear,mlp,
// ?live=N (redraw every N batches; 0: only at epoch ends).
// The page's state is on window.elegyDemo (the browser tests read it); elegy-ts is on window.elegy and
// the two model classes on window.elegyExamples, for the console.
import * as elegy from "elegy-ts";
import { backends, callbacks, optimizers, tf, type Model } from "elegy-ts";
import { LinearClassifierWithPredStep } from "../../linear-classifier";
import { MLP } from "../../mlp";
import { decodeSubset, type Subset } from "../subset";
import { ModelView } from "./view";
import type { DemoState, EpochRecord, ModelResult } from "./state";

declare global {
  interface Window {
    elegyDemo: DemoState;
    elegy: typeof elegy;
    elegyExamples: { LinearClassifierWithPredStep: typeof LinearClassifierWithPredStep; MLP: typeof MLP };
  }
}

const params = new URLSearchParams(location.search);
const backend = params.get("backend") ?? "auto";
const epochsOverride = params.has("epochs") ? Number(params.get("epochs")) : undefined;
const live = Number(params.get("live") ?? 10);
const chosen = (params.get("models") ?? "linear,mlp").split(",");
const state: DemoState = { status: "loading", results: [] };
window.elegyDemo = state;
window.elegy = elegy;
window.elegyExamples = { LinearClassifierWithPredStep, MLP };
const statusLine = document.getElementById("status")!;

interface Entry {
  key: string;
  title: string;
  epochs: number;
  make: () => Model;
  /** The model's input from raw pixels (0–255), prepared on the host. */
  input: (pixels: Float32Array) => Float32Array;
}

const ENTRIES: Entry[] = [
  {
    key: "linear", title: "LinearClassifier (the seed's model, with its @predStep)", epochs: 8,
    make: () => new LinearClassifierWithPredStep({ optimizer: optimizers.adam(1e-3), backend }),
    input: (pixels) => pixels, // the model divides by 255 itself
  },
  { key: "mlp", title: "MLP 784-300-100-10", epochs: 3, make: () => new MLP({ backend }), input: (pixels) => pixels.map((v) => v / 255) },
];

const accuracyOf = (logs: Record<string, number>) => logs.accuracy ?? logs.sparse_categorical_accuracy;

async function train(entry: Entry, data: Subset): Promise<ModelResult> {
  const view = new ModelView(document.getElementById("models")!, entry.title);
  const model = entry.make();
  const x = tf.tensor3d(entry.input(data.train.x), [data.train.count, data.rows, data.cols]);
  const y = tf.tensor1d(data.train.y, "int32");
  const epochs = epochsOverride ?? entry.epochs;
  const records: EpochRecord[] = [];
  let started = 0;
  let steps = 1;
  const progress = callbacks.lambda({
    onTrainBegin: () => {
      steps = Math.ceil(data.train.count / 64);
    },
    onEpochBegin: (epoch) => {
      started = performance.now();
      view.epoch(epoch, epochs, steps);
    },
    onTrainBatchEnd: async (batch, info) => {
      view.batch(batch + 1);
      if (live > 0 && (batch + 1) % live === 0) {
        const logs = await info.readLogs();
        view.point(records.length + (batch + 1) / steps, logs.loss, accuracyOf(logs));
      }
    },
    onEpochEnd: (epoch, logs) => {
      const record = { epoch, loss: logs.loss, accuracy: accuracyOf(logs), ms: performance.now() - started, tensors: tf.memory().numTensors };
      records.push(record);
      view.point(epoch + 1, record.loss, record.accuracy);
      view.epochDone(record);
    },
  });
  await model.fit(x, y, { epochs, batchSize: 64, verbose: 0, callbacks: [progress] });
  const trainAccuracy = accuracyOf(await model.evaluate(x, y, { batchSize: 256 }));
  x.dispose();
  y.dispose();

  const testX = tf.tensor3d(entry.input(data.test.x), [data.test.count, data.rows, data.cols]);
  const testY = tf.tensor1d(data.test.y, "int32");
  const test = await model.evaluate(testX, testY, { batchSize: 256 });
  const shown = 12;
  const logits = (await model.predict(testX.slice(0, shown))) as tf.Tensor;
  const predicted = Array.from(await logits.argMax(-1).data());
  tf.dispose([logits, testX, testY]);
  const predictions = predicted.map((p, i) => ({ label: data.test.y[i], predicted: p }));
  view.results(trainAccuracy, accuracyOf(test), predictions.map((p, i) => ({ ...p, pixels: data.test.x.subarray(i * data.rows * data.cols, (i + 1) * data.rows * data.cols) })), data.rows, data.cols);
  model.dispose();
  return { name: entry.key, epochs: records, test, testAccuracy: accuracyOf(test), trainAccuracy, predictions };
}

async function main(): Promise<void> {
  statusLine.textContent = "Loading the MNIST subset…";
  const response = await fetch("mnist-subset.bin");
  if (!response.ok) throw new Error(`mnist-subset.bin: HTTP ${response.status} (build the page with npm run demo:browser)`);
  const data = decodeSubset(new Uint8Array(await response.arrayBuffer()));
  const choice = await backends.ensureBackend(backend);
  state.backend = choice.name;
  state.backendReason = choice.reason;
  state.status = "training";
  statusLine.textContent = `Backend ${choice.name} (${choice.reason}). ${data.train.count} training and ${data.test.count} test examples.`;
  for (const entry of ENTRIES.filter((e) => chosen.includes(e.key))) state.results.push(await train(entry, data));
  state.status = "done";
  statusLine.textContent += " Done.";
}

main().catch((error: Error) => {
  state.status = "failed";
  state.error = `${error.name}: ${error.message}`;
  statusLine.textContent = `Failed: ${state.error}`;
  console.error(error);
});
