// Import for fine-tuning (examples/fine-tune.ts): a model elegy-ts exported is loaded with
// tf.loadLayersModel, its layers but the last become frozen features under LayersAdapter, and
// a new head learns under a custom @trainStep. The base's weights stay bit for bit; the head
// learns; the fine-tuned model exports back to tfjs-layers with the same predictions.
import test from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { callbacks, datasets, nn, tf, type TensorTree } from "elegy-ts";
import { FineTune, baseModelFile, digitSubset } from "../../examples/fine-tune";
import { leafValues, tmpDir } from "../support/models";

/** Runs `body` with environment variables set, restoring them after. */
async function withEnv<T>(values: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  Object.assign(process.env, values);
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test("fine-tune: the exported base stays bit for bit, the new head learns the digits 5–9, and the result exports again", { timeout: 300_000 }, async () => {
  const small = { ELEGY_MNIST_TRAIN_SIZE: "3000", ELEGY_MNIST_TEST_SIZE: "1000" };
  const baseFile = await withEnv(small, () => baseModelFile(tmpDir("fine-tune-base")));
  const { train, test: held } = await datasets.mnist({ trainSize: 3000, testSize: 1000 });
  const tuneTrain = digitSubset(train, 5, 5);
  const tuneTest = digitSubset(held, 5, 5);
  tf.dispose([train.x, train.y, held.x, held.y]);

  const model = new FineTune({ baseModel: baseFile });
  const before = await model.evaluate(tuneTest.x, tuneTest.y);
  const params = () => model.states.netParams as { base: TensorTree; head: TensorTree };
  const baseBefore = leafValues(params().base);
  const headBefore = leafValues(params().head);
  const loadedBase = await tf.loadLayersModel(`file://${baseFile}`);
  const fromFile = loadedBase.layers.slice(0, -1).flatMap((l) => l.getWeights().map((w) => Array.from(w.dataSync())));
  assert.deepEqual(baseBefore.flat().sort(), fromFile.flat().sort(), "the adapter starts from the exported weights");

  const counts: number[] = [];
  const count = callbacks.lambda({ onEpochEnd: () => void counts.push(tf.memory().numTensors) });
  const history = await model.fit(tuneTrain.x, tuneTrain.y, { epochs: 3, batchSize: 32, verbose: 0, callbacks: [count] });
  assert.equal(new Set(counts).size, 1, `tensors after each epoch: ${counts}`);
  const after = await model.evaluate(tuneTest.x, tuneTest.y);
  assert.deepEqual(leafValues(params().base), baseBefore, "the frozen base is bit for bit unchanged");
  assert.notDeepEqual(leafValues(params().head), headBefore, "the head was trained");
  assert.ok(history.history.loss[2] < history.history.loss[0], `loss ${history.history.loss}`);
  assert.ok(after.sparse_categorical_accuracy > before.sparse_categorical_accuracy + 0.25, `accuracy ${before.sparse_categorical_accuracy} → ${after.sparse_categorical_accuracy}`);

  const dir = tmpDir("fine-tuned-export");
  await model.export(dir);
  const exported = await tf.loadLayersModel(`file://${path.join(dir, "model.json")}`);
  const ours = (await model.predict(tuneTest.x)) as tf.Tensor;
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(exported.predict(tuneTest.x) as tf.Tensor, ours))).dataSync()[0]);
  assert.ok(diff <= 1e-5, `max abs diff ${diff}`);
  tf.dispose([ours, tuneTrain.x, tuneTrain.y, tuneTest.x, tuneTest.y]);
  exported.dispose();
  loadedBase.dispose();
  model.dispose();
});

test("fine-tune: the example runs through its generated trainer (elegy-ts train examples/fine-tune.ts)", { timeout: 300_000 }, async () => {
  const small = { ELEGY_MNIST_TRAIN_SIZE: "1000", ELEGY_MNIST_TEST_SIZE: "300" };
  const baseFile = await withEnv(small, () => baseModelFile(tmpDir("fine-tune-trainer-base")));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const trainer = require(path.join(__dirname, "../../examples/fine-tune.trainer.js")) as { run(argv: string[], out: (line: string) => void): Promise<number> };
  const lines: string[] = [];
  const code = await withEnv({ ...small, ELEGY_BASE_MODEL: baseFile }, () =>
    trainer.run(["--epochs", "1", "--out-dir", tmpDir("fine-tune-run"), "--verbose", "2"], (line) => void lines.push(line)),
  );
  assert.equal(code, 0, lines.join("\n"));
  assert.deepEqual(Object.keys(JSON.parse(lines.at(-1)!)), ["loss", "sparse_categorical_crossentropy_loss", "sparse_categorical_accuracy"]);
});

test("LayersAdapter with a loader: the loader runs once, on the model's first call, and must give a tf.LayersModel", async () => {
  let calls = 0;
  const adapter = new nn.LayersAdapter(async () => {
    calls++;
    return tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  });
  assert.throws(() => adapter.model, { message: "layers_adapter: its tf.LayersModel is not loaded yet; await model.ready() first (init, fit, evaluate and predict do)." });
  await Promise.all([adapter.ready(), adapter.ready()]);
  await adapter.ready();
  assert.equal(calls, 1);
  assert.equal(adapter.model.outputs[0].shape[1], 2);
  adapter.model.dispose();
  await assert.rejects(new nn.LayersAdapter((async () => "model.json") as never, { name: "bad" }).ready(), {
    message: "bad: the function given to LayersAdapter returned string, not a tf.LayersModel (e.g. () => tf.loadLayersModel(url)).",
  });
});
