// `elegy-ts export <checkpoint-dir> --out DIR`: from a checkpoint alone (run as users run it, in
// a child process that loads no model code) to a model.json tf.loadLayersModel reads, with the
// predictions of the model that saved it; checkpoints that cannot be exported say why.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Model, States, losses, nn, optimizers, saveCheckpoint, tf } from "elegy-ts";
import { main } from "../../src/cli/main";
import { tmpDir } from "../support/models";
import { Scaled } from "./export-support";

const BIN = path.resolve(__dirname, "../../../bin/elegy-ts.js");

function elegy(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}

async function inProcess(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["export", ...args], { out: (t) => void out.push(t), err: (t) => void err.push(t) });
  return { code, out, err };
}

test("elegy-ts export: a saved CNN becomes a model.json that predicts what the model predicts", { timeout: 120_000 }, async () => {
  const model = new Model({
    module: new nn.Sequential([new nn.Conv2D(3, 3), nn.relu, new nn.MaxPool2D(2), new nn.BatchNorm(), new nn.Flatten(), new nn.Dropout(0.2), new nn.Linear(4)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    optimizer: optimizers.adam(0.01),
    backend: "cpu",
  });
  const x = tf.randomNormal([16, 8, 8, 1], 0, 1, "float32", 5);
  const y = tf.tensor1d([...Array(16).keys()].map((i) => i % 4), "int32");
  await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
  const checkpoint = tmpDir("export-cli-ckpt");
  await model.save(checkpoint);
  const out = path.join(tmpDir("export-cli-out"), "web");
  const run = elegy(["export", checkpoint, "--out", out]);
  assert.equal(run.status, 0, run.stderr);
  const modelJson = path.join(out, "model.json");
  // What it exported, and nothing else: no backend line (an export only copies weights, on cpu, which nobody asked about).
  assert.deepEqual(
    [run.stdout, run.stderr],
    [`Wrote ${modelJson} and 1 weight file(s) from the checkpoint ${checkpoint}. Load it with tf.loadLayersModel("file://${modelJson}").`, ""],
  );
  const loaded = await tf.loadLayersModel(`file://${modelJson}`);
  const ours = (await model.predict(x)) as tf.Tensor;
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(loaded.predict(x) as tf.Tensor, ours))).dataSync()[0]);
  assert.ok(diff <= 1e-5, `max abs diff ${diff}`);
  tf.dispose([x, y, ours]);
  loaded.dispose();
  model.dispose();
});

test("elegy-ts export: checkpoints without a description, or of models that cannot be exported, are refused with what to do", async () => {
  const bare = tmpDir("export-cli-bare");
  await saveCheckpoint(bare, new States({ netParams: { w: tf.ones([2, 2]) } }), { className: "Handmade", epoch: 0 });
  const refused = await inProcess([bare, "--out", tmpDir("export-cli-none")]);
  assert.equal(refused.code, 1);
  assert.deepEqual(refused.err, [
    `ElegyExportError: The checkpoint at ${bare} (saved from Handmade) records no description of its module, so it cannot be exported without the model's code. ` +
      "Save it again with this version of elegy-ts (model.save, or elegy-ts train), or load it into its model class and call model.export(dir).",
  ]);

  const scaled = new Scaled({ module: new nn.Linear(2), backend: "cpu" });
  const x = tf.ones([2, 3]);
  await scaled.init(x);
  const custom = tmpDir("export-cli-custom");
  await scaled.save(custom);
  const customRun = await inProcess([custom, "--out", tmpDir("export-cli-none")]);
  assert.deepEqual(customRun.err, [
    `ElegyExportError: The checkpoint at ${custom} (saved from Scaled) cannot be exported to tfjs-layers: Scaled.scaledOutput (@predStep) computes the predictions with code of its own, ` +
      "which a tfjs-layers model cannot carry; only a model whose predictions are its module's output (the default prediction step) can be exported.",
  ]);
  x.dispose();
  scaled.dispose();
});

test("elegy-ts export: its arguments are checked before anything is read", async () => {
  const usage = "Usage: elegy-ts export <checkpoint-dir> --out DIR [--format tfjs-layers]";
  assert.deepEqual((await inProcess([])).err, [`elegy-ts export takes one checkpoint folder, got none.\n${usage}`]);
  assert.deepEqual((await inProcess(["ckpt"])).err, [`elegy-ts export: --out DIR is required: the folder to write model.json into.\n${usage}`]);
  assert.deepEqual((await inProcess(["ckpt", "--out", "web", "--format", "onnx"])).err, [
    "elegy-ts export: --format must be tfjs-layers (a model.json for tf.loadLayersModel), got 'onnx'.",
  ]);
  assert.deepEqual((await inProcess(["ckpt", "--outt", "web"])).err, ["elegy-ts export: unknown flag '--outt'. Did you mean '--out'? Flags: --out, --format, --help."]);
  const help = await inProcess(["--help"]);
  assert.equal(help.code, 0);
  assert.equal(help.out[0].split("\n")[0], usage);
});

test("elegy-ts export of a run folder instead of its checkpoint/ asks whether that folder was meant; a folder without one is refused as before", async () => {
  const run = tmpDir("export-run");
  const states = new States({ netParams: { linear: { kernel: tf.ones([2, 1]) } } });
  await saveCheckpoint(path.join(run, "checkpoint"), states, { className: "Handmade", epoch: 0 });
  const out = path.join(run, "web");
  assert.deepEqual((await inProcess([run, "--out", out])).err, [
    `ElegyCheckpointError: ${run} is not a checkpoint: it has no checkpoint.safetensors. Did you mean '${path.join(run, "checkpoint")}'? That folder holds one (a run folder keeps its checkpoint there).`,
  ]);
  const empty = tmpDir("export-empty");
  assert.deepEqual((await inProcess([empty, "--out", out])).err, [
    `ElegyCheckpointError: ${empty} is not a checkpoint: it has no checkpoint.safetensors. Point to a folder written by model.save(dir).`,
  ]);
  tf.dispose([...states.tensors()]);
});
