// The file:// load handler elegy-ts registers in Node: plain tf.loadLayersModel("file://…")
// reads an export; damaged or hostile folders are refused before any tensor is built; another
// handler for the same URL (tfjs-node's) is left to answer alone.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Model, nn, tf } from "elegy-ts";
import { tmpDir } from "../support/models";

/** An exported 3 → 4 → 2 MLP; returns its folder and the elegy-ts model. */
async function exported(prefix: string): Promise<{ dir: string; model: Model; x: tf.Tensor }> {
  const model = new Model({ module: new nn.Sequential([new nn.Linear(4), nn.relu, new nn.Linear(2)]), backend: "cpu" });
  const x = tf.randomNormal([5, 3], 0, 1, "float32", 3);
  await model.init(x);
  const dir = tmpDir(prefix);
  await model.export(dir);
  return { dir, model, x };
}

function rewriteModelJson(dir: string, edit: (json: Record<string, unknown>) => void): void {
  const file = path.join(dir, "model.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json));
}

test("file router: tf.loadLayersModel reads an export by a relative file:// path and predicts the same", async () => {
  const { dir, model, x } = await exported("router-relative");
  const before = tf.memory().numTensors;
  const loaded = await tf.loadLayersModel(`file://${path.relative(process.cwd(), path.join(dir, "model.json"))}`);
  const ours = (await model.predict(x)) as tf.Tensor;
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(loaded.predict(x) as tf.Tensor, ours))).dataSync()[0]);
  assert.ok(diff <= 1e-6, `${diff}`);
  loaded.dispose();
  ours.dispose();
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
  x.dispose();
});

test("file router: a missing file, a folder, broken JSON and forbidden keys are refused with what to do", async () => {
  const { dir, model, x } = await exported("router-bad");
  const missing = path.join(dir, "nothing.json");
  await assert.rejects(tf.loadLayersModel(`file://${missing}`), {
    name: "ElegyExportError",
    message: `No model at file://${missing}: the file does not exist. Point to the model.json of an export.`,
  });
  await assert.rejects(tf.loadLayersModel(`file://${dir}`), {
    message: `file://${dir} is a folder; point to the model.json inside it (file://${path.join(dir, "model.json")}).`,
  });
  const broken = path.join(dir, "broken.json");
  fs.writeFileSync(broken, '{"modelTopology": {');
  await assert.rejects(tf.loadLayersModel(`file://${broken}`), (e: Error) => e.message.startsWith(`${broken} is not valid JSON (`) && e.message.endsWith("); the model.json is truncated or corrupt."));
  const polluted = path.join(dir, "polluted.json");
  fs.writeFileSync(polluted, '{"modelTopology": {"__proto__": {"x": 1}}}');
  await assert.rejects(tf.loadLayersModel(`file://${polluted}`), {
    message: `${polluted} contains the key '__proto__', which a model.json never has; refusing to load it.`,
  });
  model.dispose();
  x.dispose();
});

test("file router: truncated, missing and outside-the-folder weight files are refused before reading", async () => {
  const { dir, model, x } = await exported("router-shards");
  const file = path.join(dir, "model.json");
  const shard = path.join(dir, "group1-shard1of1.bin");
  const bytes = fs.readFileSync(shard);
  fs.writeFileSync(shard, bytes.subarray(0, bytes.length - 4));
  await assert.rejects(tf.loadLayersModel(`file://${file}`), {
    message: `The model at ${file} is truncated or corrupt: the weight files of group 0 hold ${bytes.length - 4} bytes, its weights need ${bytes.length}.`,
  });
  fs.rmSync(shard);
  await assert.rejects(tf.loadLayersModel(`file://${file}`), {
    message: `The model at ${file} is incomplete: its weight file group1-shard1of1.bin is missing. Copy the whole export folder.`,
  });
  fs.writeFileSync(shard, bytes);
  rewriteModelJson(dir, (json) => ((json.weightsManifest as Array<{ paths: string[] }>)[0].paths = ["../elsewhere.bin"]));
  await assert.rejects(tf.loadLayersModel(`file://${file}`), {
    message: `${file} has an invalid weightsManifest: the shard "../elsewhere.bin" lies outside the model's folder.`,
  });
  rewriteModelJson(dir, (json) => {
    const group = (json.weightsManifest as Array<{ paths: string[]; weights: Array<{ shape: number[] }> }>)[0];
    group.paths = ["group1-shard1of1.bin"];
    group.weights[0].shape = [1000, 1000];
  });
  await assert.rejects(tf.loadLayersModel(`file://${file}`), (e: Error) => e.message.startsWith(`The model at ${file} is truncated or corrupt: the weight files of group 0 hold ${bytes.length} bytes`));
  model.dispose();
  x.dispose();
});

test("file router: stands aside when another handler answers the URL, so tfjs never has two to choose from", async () => {
  const other: tf.io.IOHandler = { load: async () => ({}) };
  const url = "file:///elegy-ts-router-test/model.json";
  tf.io.registerLoadRouter(((u: string | string[]) => (u === url ? other : null)) as Parameters<typeof tf.io.registerLoadRouter>[0]);
  const handlers = tf.io.getLoadHandlers(url);
  assert.equal(handlers.length, 1);
  assert.equal(handlers[0], other);
  assert.equal(tf.io.getLoadHandlers("file:///elegy-ts-router-test/another.json").length, 1, "elegy-ts's handler still answers other files");
});
