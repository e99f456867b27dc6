// The browser example in a real browser: Debian's Chromium, headless, driven by playwright-core
// (no browser is downloaded), loads the page built by examples/browser/build.ts from a local
// server. It checks the backend "auto" picks, that the seed's LinearClassifier learns the subset
// without growing the tensor count, that elegy-ts's kernels give the cpu backend's results on
// wasm, webgl and webgpu, and that a model exported in Node predicts the same in the page.
// Without Chromium these tests are skipped with the reason, except in CI (CI=true), where that fails.
import test, { after, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { Model, losses, nn, optimizers, tf } from "elegy-ts";
import { buildPage } from "../../examples/browser/build";
import { serve, type Served } from "../../examples/browser/serve";
import type { DemoState } from "../../examples/browser/page/state";

// What the page holds, for the functions run inside it with page.evaluate (this file has Node's types, not the DOM's).
declare const window: { elegyDemo: DemoState; elegy: typeof import("elegy-ts") };
declare const navigator: { gpu?: { requestAdapter(): Promise<unknown> } };

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--enable-unsafe-swiftshader", "--enable-unsafe-webgpu"];
const SITE = path.resolve(__dirname, "site");
const missing = !fs.existsSync(CHROMIUM);
const skip = missing && process.env.CI !== "true" ? `Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)` : false;

if (missing && process.env.CI === "true") {
  test("headless Chromium is installed (the browser tests need it)", () => {
    assert.fail(`No Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium package; set CHROMIUM_PATH if it lives elsewhere.`);
  });
}

let browser: Browser;
let served: Served;
/** What the exported model predicts in Node for EXPORT_INPUT. */
let nodePredictions: number[];
const EXPORT_INPUT = Array.from({ length: 4 * 28 * 28 }, (_, i) => ((i * 37) % 256) / 255);

before(async () => {
  if (missing) return;
  await buildPage(SITE, { trainSize: 5000, testSize: 1000 });
  // A model exported in Node, served with the page.
  await tf.setBackend("cpu");
  const model = new Model({ module: new nn.Sequential([new nn.Flatten(), new nn.Linear(32), nn.relu, new nn.Linear(10)]), seed: 3, backend: "cpu" });
  const x = tf.tensor3d(EXPORT_INPUT, [4, 28, 28]);
  await model.init(x);
  fs.rmSync(path.join(SITE, "exported"), { recursive: true, force: true });
  await model.export(path.join(SITE, "exported"));
  nodePredictions = Array.from(await ((await model.predict(x)) as tf.Tensor).data());
  x.dispose();
  served = await serve(SITE);
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}, { timeout: 300_000 });

after(async () => {
  await browser?.close();
  await served?.close();
});

/** Opens the example with these address options and waits until it is done (or failed). */
async function openPage(query: string, timeout = 240_000): Promise<{ page: Page; state: DemoState; console: string[] }> {
  const page = await browser.newPage();
  const lines: string[] = [];
  page.on("console", (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => lines.push(`pageerror: ${(e as Error).message}`));
  await page.goto(served.url + query);
  await page.waitForFunction(() => ["done", "failed"].includes(window.elegyDemo?.status), undefined, { timeout, polling: 500 });
  const state = await page.evaluate(() => window.elegyDemo);
  assert.equal(state.status, "done", `${state.error}\n${lines.join("\n")}`);
  return { page, state, console: lines };
}

test("backend auto picks webgpu where the browser offers a WebGPU adapter, else webgl, and says so", { skip, timeout: 120_000 }, async () => {
  const { page, state, console } = await openPage("?models=none");
  const adapter = await page.evaluate(async () => {
    const gpu = navigator.gpu;
    return gpu !== undefined && (await gpu.requestAdapter()) !== null;
  });
  assert.equal(state.backend, adapter ? "webgpu" : "webgl");
  assert.ok(console.includes(`info: elegy-ts: backend ${state.backend} (${state.backendReason})`), console.join("\n"));
  if (adapter) assert.equal(state.backendReason, "auto; the best available");
  else assert.match(state.backendReason!, /^auto; webgpu skipped: /);
  await page.close();
});

test("the seed's LinearClassifier learns the MNIST subset on webgl (≥ 0.85), with as many tensors after every epoch", { skip, timeout: 300_000 }, async (t) => {
  const { page, state } = await openPage("?models=linear&backend=webgl&live=0");
  assert.equal(state.backend, "webgl");
  const [linear] = state.results;
  t.diagnostic(`webgl: ${linear.epochs.map((e) => `${Math.round(e.ms)} ms`).join(", ")} per epoch; accuracy ${linear.trainAccuracy} (train subset), ${linear.testAccuracy} (test subset)`);
  assert.equal(linear.epochs.length, 8);
  assert.ok(linear.trainAccuracy >= 0.85, `accuracy on the training subset ${linear.trainAccuracy}`);
  assert.ok(linear.testAccuracy >= 0.7, `accuracy on the test subset ${linear.testAccuracy}`);
  assert.ok(linear.epochs[7].loss < linear.epochs[0].loss / 2, "the loss falls");
  const tensors = linear.epochs.map((e) => e.tensors);
  assert.deepEqual(tensors, tensors.map(() => tensors[0]), `tensors after each epoch: ${tensors.join(", ")}`);
  assert.equal(linear.predictions.length, 12);
  assert.ok(linear.predictions.filter((p) => p.predicted === p.label).length >= 7, JSON.stringify(linear.predictions));
  await page.close();
});

/** Trains a small CNN (conv + bias + ReLU, max pooling, dense, sparse softmax cross-entropy, accuracy, Adam) three steps on one backend. */
async function smallCnnRun(page: Page, backend: string): Promise<{ logs: Array<Record<string, number>>; params: number[]; predictions: number[]; tensorsBefore: number; tensorsAfter: number }> {
  return page.evaluate(async (backendName) => {
    const { tf, Model, nn, losses, metrics, optimizers } = window.elegy;
    const model = new Model({
      module: new nn.Sequential([new nn.Conv2D(4, 3), nn.relu, new nn.MaxPool2D(2), new nn.Flatten(), new nn.Linear(16), nn.relu, new nn.Linear(10)]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: metrics.sparseCategoricalAccuracy(),
      optimizer: optimizers.adam(1e-2),
      seed: 7,
      backend: backendName,
    });
    await model.ready();
    const tensorsBefore = tf.memory().numTensors;
    const x = tf.tensor4d(Array.from({ length: 16 * 8 * 8 }, (_, i) => Math.sin(i * 0.37)), [16, 8, 8, 1]);
    const y = tf.tensor1d(Array.from({ length: 16 }, (_, i) => (i * 7) % 10), "int32");
    // Three steps: three epochs of one batch (fit checks the labels on the host, as its data is tensors).
    const history = await model.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
    const logs = [0, 1, 2].map((epoch) => Object.fromEntries(Object.entries(history.history).map(([name, values]) => [name, values[epoch]])));
    const predicted = (await model.predict(x)) as typeof x;
    const predictions = Array.from(await predicted.data());
    const params: number[] = [];
    for (const leaf of model.states.tensors()) params.push(...Array.from(await leaf.data()));
    tf.dispose([x, y, predicted]);
    model.dispose();
    return { logs, params, predictions, tensorsBefore, tensorsAfter: tf.memory().numTensors };
  }, backend);
}

function assertClose(actual: number[], expected: number[], what: string, tolerance = 2e-3): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const worst = actual.reduce((w, a, i) => Math.max(w, Math.abs(a - expected[i]) / Math.max(1, Math.abs(expected[i]))), 0);
  assert.ok(worst <= tolerance, `${what}: largest difference ${worst} > ${tolerance}`);
}

test("elegy-ts's kernels give the cpu backend's results on wasm, webgl and webgpu in the page", { skip, timeout: 300_000 }, async () => {
  const { page } = await openPage("?models=none&backend=cpu");
  const reference = await smallCnnRun(page, "cpu");
  const adapter = await page.evaluate(async () => (await navigator.gpu?.requestAdapter()) != null);
  for (const backend of ["wasm", "webgl", ...(adapter ? ["webgpu"] : [])]) {
    const run = await smallCnnRun(page, backend);
    assert.equal(await page.evaluate(() => window.elegy.tf.getBackend()), backend);
    for (let step = 0; step < 3; step++) {
      assert.deepEqual(Object.keys(run.logs[step]).sort(), Object.keys(reference.logs[step]).sort());
      for (const name of Object.keys(reference.logs[step])) {
        assertClose([run.logs[step][name]], [reference.logs[step][name]], `${backend}, step ${step + 1}, ${name}`);
      }
    }
    assertClose(run.params, reference.params, `${backend}: parameters and optimizer state after 3 steps`);
    assertClose(run.predictions, reference.predictions, `${backend}: predictions`);
    assert.equal(run.tensorsAfter, run.tensorsBefore, `${backend}: tensors freed`);
  }
  await page.close();
});

test("a model exported in Node loads in the page (tf.loadLayersModel) and predicts the same values", { skip, timeout: 120_000 }, async () => {
  const { page } = await openPage("?models=none");
  const predictions = await page.evaluate(async (input) => {
    const { tf } = window.elegy;
    const model = await tf.loadLayersModel("exported/model.json");
    const y = model.predict(tf.tensor3d(input, [4, 28, 28])) as ReturnType<typeof tf.tensor>;
    return Array.from(await y.data());
  }, EXPORT_INPUT);
  assertClose(predictions, nodePredictions, "predictions in the page vs in Node", 1e-4);
  await page.close();
});

test("in the page, model.save/Model.load go through indexeddb://, export through tfjs's handler, and downloads:// gives the file Node loads", { skip, timeout: 120_000 }, async () => {
  // On webgl: on webgpu, Model.load's init reads a label check synchronously (device-checks.ts), which SwiftShader's WebGPU does not survive.
  const { page } = await openPage("?models=none&backend=webgl");
  const downloads = fs.mkdtempSync(path.join(SITE, "..", "downloads-"));
  try {
    const download = page.waitForEvent("download");
    const run = await page.evaluate(async (input) => {
      const { tf, Model, nn, losses, optimizers } = window.elegy;
      const options = () => ({
        module: new nn.Sequential([new nn.Flatten(), new nn.Linear(8), nn.relu, new nn.Linear(3)]),
        loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }), optimizer: optimizers.adam(1e-2), seed: 5,
      });
      const x = tf.tensor3d(input, [12, 4, 4]);
      const y = tf.tensor1d(Array.from({ length: 12 }, (_, i) => i % 3), "int32");
      const model = new Model(options());
      await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
      const values = async (t: unknown) => Array.from(await (t as typeof x).data());
      const before = await values(await model.predict(x));
      await model.save("indexeddb://elegy-browser-test");
      const loaded = await Model.load("indexeddb://elegy-browser-test", options());
      const after = await values(await loaded.predict(x));
      await model.export("indexeddb://elegy-browser-export");
      const layers = await tf.loadLayersModel("indexeddb://elegy-browser-export");
      const exported = await values(layers.predict(x));
      await model.save("downloads://elegy-run");
      const folder = await model.save("runs/elegy").then(() => "saved", (e: Error) => `${e.name}: ${e.message}`);
      return { before, after, exported, epoch: loaded.epoch, folder };
    }, Array.from({ length: 12 * 16 }, (_, i) => Math.cos(i * 0.3)));
    assert.deepEqual(run.after, run.before, "the checkpoint restores the same predictions");
    assert.equal(run.epoch, 2);
    assertClose(run.exported, run.before, "the export in IndexedDB predicts the same", 1e-5);
    assert.equal(run.folder,
      "ElegyPlatformError: Saving a checkpoint to the folder 'runs/elegy' needs Node and is not available in a web page (elegy-ts's browser build). " +
      "In a page, save to indexeddb://name (or another tfjs IO handler's URL) or downloads://name, or save from Node.");
    // The download is a Node checkpoint's file: Model.load reads it from a folder.
    const file = path.join(downloads, "elegy-run.safetensors");
    assert.equal((await download).suggestedFilename(), "elegy-run.safetensors");
    await (await download).saveAs(file);
    const folder = path.join(downloads, "run");
    fs.mkdirSync(folder);
    fs.copyFileSync(file, path.join(folder, "checkpoint.safetensors"));
    const inNode = await Model.load(folder, {
      module: new nn.Sequential([new nn.Flatten(), new nn.Linear(8), nn.relu, new nn.Linear(3)]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }), optimizer: optimizers.adam(1e-2), seed: 5, backend: "cpu",
    });
    const x = tf.tensor3d(Array.from({ length: 12 * 16 }, (_, i) => Math.cos(i * 0.3)), [12, 4, 4]);
    const predicted = (await inNode.predict(x)) as tf.Tensor;
    assertClose(Array.from(await predicted.data()), run.before, "Node's predictions from the page's checkpoint", 1e-5);
    tf.dispose([x, predicted]);
    assert.equal(inNode.epoch, 2);
  } finally {
    fs.rmSync(downloads, { recursive: true, force: true });
    await page.close();
  }
});
