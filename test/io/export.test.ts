// model.export to tfjs-layers: what tf.loadLayersModel reads back predicts what elegy-ts
// predicts; what tfjs-layers cannot express is refused with a reason that names the part.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ElegyExportError, ElegyInputError, Model, losses, nn, optimizers, tf, type Module } from "elegy-ts";
import { tmpDir } from "../support/models";
import { Scaled } from "./export-support";

const TOLERANCE = 1e-5;

/** A model of `module`, trained 3 epochs on random data so no weight is at its initial value. */
async function trainedModel(module: Module, xShape: number[]): Promise<{ model: Model; x: tf.Tensor }> {
  const model = new Model({ module, loss: losses.meanSquaredError(), optimizer: optimizers.adam(0.01), backend: "cpu" });
  const x = tf.randomNormal(xShape, 0, 1, "float32", 7);
  const yShape = ((await model.predict(x)) as tf.Tensor).shape;
  const y = tf.randomNormal(yShape, 0, 1, "float32", 8);
  await model.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
  y.dispose();
  return { model, x };
}

/** Exports, loads with plain tf.loadLayersModel("file://…"), and returns the largest prediction difference. */
async function roundTrip(model: Model, x: tf.Tensor, dir: string): Promise<{ diff: number; loaded: tf.LayersModel; json: tf.io.ModelJSON }> {
  await model.export(dir, { format: "tfjs-layers" });
  const loaded = await tf.loadLayersModel(`file://${path.join(dir, "model.json")}`);
  const ours = (await model.predict(x)) as tf.Tensor;
  const theirs = loaded.predict(x) as tf.Tensor;
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]);
  tf.dispose([ours, theirs]);
  const json = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8")) as tf.io.ModelJSON;
  return { diff, loaded, json };
}

function layerSummary(json: tf.io.ModelJSON): string[] {
  const layers = ((json.modelTopology as { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } }).config.layers);
  return layers.map((l) => `${l.class_name}:${String(l.config.name)}${l.config.activation ? `:${String(l.config.activation)}` : ""}`);
}

test("export: a Sequential MLP (fused Linear+relu, Dropout, own and following activations) predicts the same after tf.loadLayersModel", async () => {
  const module = new nn.Sequential([
    new nn.Flatten(), new nn.Linear(8), nn.relu, new nn.Dropout(0.3),
    new nn.Linear(6, { activation: nn.makeLeakyRelu(0.1) }), nn.gelu,
    new nn.Linear(5, { activation: nn.tanh }), nn.elu, new nn.Linear(3), nn.softmax,
  ]);
  const { model, x } = await trainedModel(module, [8, 4, 6]);
  const dir = tmpDir("export-mlp");
  const { diff, loaded, json } = await roundTrip(model, x, dir);
  assert.ok(diff <= TOLERANCE, `max abs diff ${diff}`);
  assert.deepEqual(layerSummary(json), [
    "Flatten:flatten", "Dense:linear:relu", "Dropout:dropout", "Dense:linear_1:linear", "LeakyReLU:linear_1_activation",
    "Activation:gelu:gelu", "Dense:linear_2:tanh", "Activation:elu:elu", "Dense:linear_3:softmax",
  ]);
  assert.equal(json.format, "layers-model");
  assert.equal((json.modelTopology as { keras_version: string }).keras_version, `tfjs-layers ${tf.version_layers}`);
  assert.equal((json.modelTopology as { backend: string }).backend, "tensor_flow.js");
  assert.deepEqual(json.weightsManifest[0].paths, ["group1-shard1of1.bin"]);
  assert.deepEqual(json.weightsManifest[0].weights.map((w) => w.name).slice(0, 2), ["linear/kernel", "linear/bias"]);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["group1-shard1of1.bin", "model.json"]);
  loaded.dispose();
  x.dispose();
});

test("export: a CNN (Conv2D same/valid/strided, pooling, trained BatchNorm, Flatten of a rank-2 tensor, MLP) predicts the same", async () => {
  const module = new nn.Sequential([
    new nn.Conv2D(4, 3, { padding: "same" }), nn.relu, new nn.MaxPool2D(2),
    new nn.BatchNorm({ epsilon: 0.01, momentum: 0.5 }),
    new nn.Conv2D(3, [2, 3], { strides: 2, activation: nn.relu6 }), new nn.AvgPool2D(2, { padding: "same" }),
    new nn.Conv2D(5, 1, { useBias: false }), new nn.GlobalAvgPool2D(), new nn.Flatten(), nn.swish,
    new nn.MLP([6, 2], { dropout: 0.2 }),
  ]);
  const { model, x } = await trainedModel(module, [6, 12, 12, 2]);
  const moving = ((model.states.netStates as Record<string, Record<string, tf.Tensor>>).batch_norm.moving_mean).dataSync();
  assert.ok(moving.some((v) => v !== 0), "BatchNorm's moving mean moved during fit");
  const { diff, loaded, json } = await roundTrip(model, x, tmpDir("export-cnn"));
  assert.ok(diff <= TOLERANCE, `max abs diff ${diff}`);
  assert.deepEqual(layerSummary(json), [
    "Conv2D:conv2d:relu", "MaxPooling2D:max_pool2d", "BatchNormalization:batch_norm", "Conv2D:conv2d_1:relu6",
    "AveragePooling2D:avg_pool2d", "Conv2D:conv2d_2:linear", "GlobalAveragePooling2D:global_avg_pool2d", "Reshape:flatten",
    "Activation:swish:swish", "Dense:mlp/linear:relu", "Dropout:mlp/dropout", "Dense:mlp/linear_1:linear",
  ]);
  const bn = (json.modelTopology as { config: { layers: Array<{ config: Record<string, unknown> }> } }).config.layers[2].config;
  assert.equal(bn.epsilon, 0.01);
  assert.equal(bn.momentum, 0.5);
  loaded.dispose();
  x.dispose();
});

test("export: a LayersAdapter module (Dense + BatchNormalization trained under elegy-ts) predicts the same", async () => {
  const base = tf.sequential({
    layers: [tf.layers.dense({ units: 5, inputShape: [4], activation: "relu", name: "hidden" }), tf.layers.batchNormalization({ name: "norm" }), tf.layers.dense({ units: 2, name: "out" })],
  });
  const { model, x } = await trainedModel(new nn.LayersAdapter(base), [16, 4]);
  const { diff, loaded } = await roundTrip(model, x, tmpDir("export-adapter"));
  assert.ok(diff <= TOLERANCE, `max abs diff ${diff}`);
  // The trained weights were exported, not the tf model's own (which elegy-ts leaves untouched).
  const hidden = (model.states.netParams as Record<string, Record<string, tf.Tensor>>).hidden.kernel;
  assert.deepEqual(loaded.getLayer("hidden").getWeights()[0].arraySync(), hidden.arraySync());
  assert.notDeepEqual(base.getLayer("hidden").getWeights()[0].arraySync(), hidden.arraySync());
  loaded.dispose();
  base.dispose();
  x.dispose();
});

test("export: a LayersAdapter base with a new elegy-ts head inside a Sequential predicts the same", async () => {
  const base = tf.sequential({ layers: [tf.layers.dense({ units: 6, inputShape: [5], activation: "tanh", name: "features" })] });
  const { model, x } = await trainedModel(new nn.Sequential([new nn.LayersAdapter(base, { name: "base" }), new nn.Linear(3, { name: "head" })]), [10, 5]);
  const { diff, loaded, json } = await roundTrip(model, x, tmpDir("export-adapter-head"));
  assert.ok(diff <= TOLERANCE, `max abs diff ${diff}`);
  assert.deepEqual(json.weightsManifest[0].weights.map((w) => w.name).sort(), ["features/bias", "features/kernel", "head/bias", "head/kernel"]);
  loaded.dispose();
  base.dispose();
  x.dispose();
});

test("export: an adapter of unnamed tfjs layers (keyed 0_dense, 1_batch_normalization…) exports its trained weights under tfjs's names", async () => {
  const base = tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [4], activation: "relu" }), tf.layers.batchNormalization(), tf.layers.dense({ units: 2 })] });
  const { model, x } = await trainedModel(new nn.Sequential([new nn.LayersAdapter(base), new nn.Linear(3, { name: "head" })]), [16, 4]);
  const netParams = model.states.netParams as Record<string, Record<string, Record<string, tf.Tensor>>>;
  assert.deepEqual(Object.keys(netParams.layers_adapter).sort(), ["0_dense", "1_batch_normalization", "2_dense"]);
  const { diff, loaded } = await roundTrip(model, x, tmpDir("export-adapter-unnamed"));
  assert.ok(diff <= TOLERANCE, `max abs diff ${diff}`);
  const first = loaded.weights.find((w) => w.originalName === `${base.layers[0].name}/kernel`);
  assert.ok(first, "the export keeps tfjs's layer names");
  assert.deepEqual(first.read().arraySync(), netParams.layers_adapter["0_dense"].kernel.arraySync());
  loaded.dispose();
  base.dispose();
  x.dispose();
});

test("export: exporting does not leak tensors, and a re-export removes the shards the old one had", async () => {
  // 1100 × 1000 float32 weights: more than one 4 MiB shard.
  const big = new Model({ module: new nn.Sequential([new nn.Linear(1100)]), backend: "cpu" });
  const x = tf.ones([1, 1000]);
  await big.init(x);
  const dir = tmpDir("export-shards");
  await big.export(dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["group1-shard1of2.bin", "group1-shard2of2.bin", "model.json"]);
  const before = tf.memory().numTensors;
  await big.export(dir);
  assert.equal(tf.memory().numTensors, before);
  const small = new Model({ module: new nn.Sequential([new nn.Linear(2)]), backend: "cpu" });
  await small.init(x);
  await small.export(dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["group1-shard1of1.bin", "model.json"]);
  big.dispose();
  small.dispose();
  x.dispose();
});

test("export: a file, or a folder holding other files, is refused before anything is written; an earlier export is replaced", async () => {
  const model = new Model({ module: new nn.Sequential([new nn.Linear(2)]), backend: "cpu" });
  const x = tf.ones([1, 3]);
  await model.init(x);
  const root = tmpDir("export-target");
  const file = path.join(root, "notes.ts");
  fs.writeFileSync(file, "// mine\n");
  await assert.rejects(model.export(file), (e: Error) => e instanceof ElegyInputError &&
    e.message === `export: '${file}' is a file, not a folder. Give the path of a new folder, or of one holding an earlier export (which is replaced).`);
  fs.writeFileSync(path.join(root, "model.json"), '{"mine": true}');
  await assert.rejects(model.export(root), (e: Error) => e instanceof ElegyInputError &&
    e.message === `export: '${root}' already holds other files (model.json, notes.ts) and no earlier export, so exporting there could overwrite them. Export into a new or empty folder.`);
  assert.deepEqual(fs.readdirSync(root).sort(), ["model.json", "notes.ts"]);
  assert.equal(fs.readFileSync(path.join(root, "model.json"), "utf8"), '{"mine": true}');
  const target = path.join(root, "export");
  await model.export(target);
  await model.export(target);
  assert.deepEqual(fs.readdirSync(target).sort(), ["group1-shard1of1.bin", "model.json"]);
  model.dispose();
  x.dispose();
});

test("export: what tfjs-layers cannot express is refused with the part and the reason", async () => {
  class Doubler extends nn.BaseModule {
    constructor() {
      super("doubler");
    }
    init(): { params: {}; states: {} } {
      return { params: {}, states: {} };
    }
    apply(_p: unknown, states: {}, x: tf.Tensor): [tf.Tensor, {}] {
      return [tf.mul(x, 2), states];
    }
  }
  class WideLinear extends nn.Linear {}
  function cube(t: tf.Tensor): tf.Tensor {
    return tf.pow(t, 3);
  }
  const x = tf.ones([2, 3]);
  const refusal = async (module: Module, expected: string) => {
    const model = new Model({ module, backend: "cpu" });
    await model.init(x);
    await assert.rejects(model.export(tmpDir("export-refused")), (e: Error) => e instanceof ElegyExportError && e.message === expected);
    model.dispose();
  };
  await refusal(
    new nn.Sequential([new nn.Linear(4), new Doubler()]),
    "Cannot export Model to tfjs-layers: module.layers[1] ('doubler') is a Doubler, not one of elegy-ts's built-in layers: " +
      "tfjs-layers rebuilds only its own layer types and cannot run Doubler's code.",
  );
  await refusal(
    new nn.Sequential([new WideLinear(4)]),
    "Cannot export Model to tfjs-layers: module.layers[0] ('linear') is a WideLinear, a subclass of nn.Linear with code of its own, which tfjs-layers cannot run.",
  );
  await refusal(
    new nn.Sequential([new nn.Linear(4), cube]),
    "Cannot export Model to tfjs-layers: module.layers[1] is the function 'cube', not one of nn's activations: tfjs-layers cannot run a function's code.",
  );
  await refusal(
    new nn.MLP([4, 2], { activation: cube }),
    "Cannot export Model to tfjs-layers: module.sequential.layers[1] is the function 'cube', not one of nn's activations: tfjs-layers cannot run a function's code.",
  );
  await refusal(
    new nn.Sequential([new nn.Linear(4, { activation: cube })]),
    "Cannot export Model to tfjs-layers: the activation of module.layers[0] ('linear') is the function 'cube', not one of nn's activations: tfjs-layers cannot run a function's code.",
  );

  const scaled = new Scaled({ module: new nn.Linear(2), backend: "cpu" });
  await scaled.init(x);
  await assert.rejects(scaled.export(tmpDir("export-refused")), {
    name: "ElegyExportError",
    message:
      "Cannot export Scaled to tfjs-layers: Scaled.scaledOutput (@predStep) computes the predictions with code of its own, which a tfjs-layers model cannot carry; " +
      "only a model whose predictions are its module's output (the default prediction step) can be exported.",
  });
  const fresh = new Model({ module: new nn.Linear(2), backend: "cpu" });
  await assert.rejects(fresh.export(tmpDir("export-refused")), {
    message: "Cannot export Model to tfjs-layers: the input shape is not known yet (run predict or init on a batch first).",
  });
  await assert.rejects(fresh.export(tmpDir("export-refused"), { format: "onnx" as never }), (e: Error) =>
    e instanceof ElegyInputError && e.message === 'export(): format must be "tfjs-layers" (a model.json for tf.loadLayersModel), got "onnx".',
  );
  await assert.rejects(new Model({ backend: "cpu" }).export(tmpDir("export-refused")), {
    message: "Cannot export Model to tfjs-layers: Model has no module (new Model({ module })), so there is no network to export.",
  });
  scaled.dispose();
  x.dispose();
});

test("export: a model loaded from a checkpoint exports without a batch of its own (the checkpoint's input spec gives the shapes)", async () => {
  const module = () => new nn.Sequential([new nn.Flatten(), new nn.Linear(4), nn.relu, new nn.Linear(2)]);
  const { model, x } = await trainedModel(module(), [6, 2, 3]);
  const checkpoint = tmpDir("export-from-loaded");
  await model.save(checkpoint);
  const loaded = await Model.load(checkpoint, { module: module(), backend: "cpu" });
  const { diff, loaded: served } = await roundTrip(loaded, x, tmpDir("export-from-loaded-out"));
  assert.ok(diff <= TOLERANCE, `max abs diff ${diff}`);
  const ours = (await model.predict(x)) as tf.Tensor;
  const theirs = served.predict(x) as tf.Tensor;
  assert.deepEqual(theirs.arraySync(), ours.arraySync(), "the loaded weights are the saved ones");
  tf.dispose([x, ours, theirs]);
  served.dispose();
  model.dispose();
  loaded.dispose();
});
