// nn.LayersAdapter's keys: a layer tfjs named itself (dense_Dense3, numbered per process) is
// keyed by position and kind, so the same architecture built again saves and loads the same
// checkpoint; a layer the user named keeps its name; a checkpoint keyed by tfjs's numbered names
// (elegy-ts's former keys) is refused with what happened and a fix that works.
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyCheckpointError, Model, losses, nn, optimizers, tf } from "elegy-ts";
import { RNG } from "../../src/states";
import { leafPaths } from "../../src/tree";
import { isAutomaticLayerName, tfjsSnakeCase } from "../../src/nn/layer-keys";
import { tmpDir } from "../support/models";

/** The newuser's model: unnamed Dense, Dropout, Dense (tfjs numbers them on each build). */
function blobsNet(hidden = 16): tf.Sequential {
  return tf.sequential({
    layers: [tf.layers.dense({ units: hidden, activation: "relu", inputShape: [4] }), tf.layers.dropout({ rate: 0.2 }), tf.layers.dense({ units: 3 })],
  });
}

function adapterModel(tfModel: tf.LayersModel, options: nn.LayersAdapterOptions = {}): Model {
  return new Model({
    module: new nn.LayersAdapter(tfModel, options),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    optimizer: optimizers.adam(1e-2),
    backend: "cpu",
  });
}

function data(): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const x = tf.randomNormal([64, 4], 0, 1, "float32", 3) as tf.Tensor2D;
  const y = tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 3), "int32");
  return { x, y };
}

test("tfjs's automatic names are recognised for many layer classes, and a given name is not", () => {
  const layers = [
    tf.layers.dense({ units: 1 }), tf.layers.conv2d({ filters: 1, kernelSize: 1 }), tf.layers.batchNormalization(),
    tf.layers.globalAveragePooling2d({}), tf.layers.leakyReLU(), tf.layers.prelu(), tf.layers.layerNormalization(),
    tf.layers.depthwiseConv2d({ kernelSize: 1 }), tf.layers.conv1d({ filters: 1, kernelSize: 1 }), tf.layers.gru({ units: 1 }),
    tf.layers.simpleRNN({ units: 1 }), tf.layers.embedding({ inputDim: 2, outputDim: 1 }),
  ];
  for (const layer of layers) assert.ok(isAutomaticLayerName(layer.name, layer.getClassName()), layer.name);
  assert.equal(tfjsSnakeCase("BatchNormalization"), "batch_normalization");
  assert.equal(tfjsSnakeCase("Conv2D"), "conv2d");
  assert.equal(isAutomaticLayerName("hidden", "Dense"), false);
  assert.equal(isAutomaticLayerName("my_dense_Dense1", "Dense"), false);
  assert.equal(isAutomaticLayerName("dense_Dense1", "Conv2D"), false);
});

test("unnamed layers are keyed by position and kind, named ones by their name; building the model again gives the same keys", () => {
  const keysOf = (model: tf.LayersModel) =>
    tf.tidy(() => {
      const { params, states } = new nn.LayersAdapter(model).init(new RNG(0), tf.zeros([1, 4]));
      return [...leafPaths(params).map(([p]) => p), ...leafPaths(states).map(([p]) => `states:${p}`)];
    });
  const mixed = () =>
    tf.sequential({
      layers: [
        tf.layers.dense({ units: 5, inputShape: [4] }),
        tf.layers.batchNormalization(),
        tf.layers.dense({ units: 3, name: "head" }),
      ],
    });
  const first = mixed();
  const second = mixed();
  assert.notEqual(first.layers[0].name, second.layers[0].name, "tfjs numbered the second build's layers on");
  const expected = ["0_dense/bias", "0_dense/kernel", "1_batch_normalization/beta", "1_batch_normalization/gamma", "head/bias", "head/kernel",
    "states:1_batch_normalization/moving_mean", "states:1_batch_normalization/moving_variance"];
  assert.deepEqual(keysOf(first), expected);
  assert.deepEqual(keysOf(second), expected);
  // A tf.sequential nested in another: the indices down to the layer.
  const inner = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] }), tf.layers.dense({ units: 3 })] });
  const outer = tf.sequential({ layers: [inner, tf.layers.dense({ units: 2 })] });
  assert.deepEqual(keysOf(outer), ["0_0_dense/bias", "0_0_dense/kernel", "0_1_dense/bias", "0_1_dense/kernel", "1_dense/bias", "1_dense/kernel"]);
  // layerKeys: "names" keeps tfjs's names as they are (elegy-ts's former keys).
  const names = tf.tidy(() => leafPaths(new nn.LayersAdapter(first, { layerKeys: "names" }).init(new RNG(0), tf.zeros([1, 4])).params).map(([p]) => p));
  assert.deepEqual(names, [`${first.layers[1].name}/beta`, `${first.layers[1].name}/gamma`, `${first.layers[0].name}/bias`, `${first.layers[0].name}/kernel`, "head/bias", "head/kernel"]);
  // The adapter's own name: tfjs's numbered model name would key it unstably inside an nn.Sequential.
  assert.equal(new nn.LayersAdapter(first).name, "layers_adapter");
  assert.equal(new nn.LayersAdapter(tf.sequential({ name: "encoder", layers: [tf.layers.dense({ units: 1, inputShape: [1] })] })).name, "encoder");
  assert.throws(() => new nn.LayersAdapter(first, { layerKeys: "name" as never }), { message: 'new nn.LayersAdapter(): layerKeys must be "stable" or "names", got "name".' });
  [first, second, outer].forEach((m) => m.dispose());
});

test("a checkpoint of an adapter loads into the same architecture built again in the process, and predicts the same", async () => {
  const { x, y } = data();
  const saved = adapterModel(blobsNet());
  await saved.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
  const dir = tmpDir("adapter-keys");
  await saved.save(dir);
  const expected = (await saved.predict(x)) as tf.Tensor;
  const rebuilt = blobsNet(); // tfjs names these dense_Dense<n+2>…: other numbers, same architecture
  const before = tf.memory().numTensors;
  const loaded = await Model.load(dir, {
    module: new nn.LayersAdapter(rebuilt),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    optimizer: optimizers.adam(1e-2),
    backend: "cpu",
  });
  const got = (await loaded.predict(x)) as tf.Tensor;
  assert.deepEqual(Array.from(got.dataSync()), Array.from(expected.dataSync()));
  assert.deepEqual(Object.keys(loaded.states.netParams as object), ["0_dense", "2_dense"]);
  // It trains on from there (optimizer state loaded under the same keys) without leaking.
  await loaded.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
  const afterFirst = tf.memory().numTensors;
  await loaded.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
  assert.equal(tf.memory().numTensors, afterFirst, "a second fit leaves no tensor behind");
  assert.ok(afterFirst >= before);
  tf.dispose([x, y, expected, got]);
  saved.dispose();
  loaded.dispose();
});

test("a checkpoint of another architecture is still refused with the differing leaves", async () => {
  const { x, y } = data();
  const saved = adapterModel(blobsNet(16));
  await saved.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  const dir = tmpDir("adapter-keys");
  await saved.save(dir);
  const other = adapterModel(blobsNet(8));
  await assert.rejects(other.loadWeights(dir), (error: Error) => {
    assert.ok(error instanceof ElegyCheckpointError);
    assert.equal(
      error.message,
      `The checkpoint at ${dir} (saved from Model) does not fit this Model: 9 leaves differ:\n` +
        "  netParams.0_dense.kernel: the checkpoint has [4, 16], this model [4, 8]\n" +
        "  netParams.0_dense.bias: the checkpoint has [16], this model [8]\n" +
        "  netParams.2_dense.kernel: the checkpoint has [16, 3], this model [8, 3]\n" +
        "  optimizerStates.slots.m.0_dense.bias: the checkpoint has [16], this model [8]\n" +
        "  optimizerStates.slots.m.0_dense.kernel: the checkpoint has [4, 16], this model [4, 8]\n" +
        "  … and 4 more\n" +
        "Build the model as the one that saved it (same module, layers and optimizer), or load a checkpoint of this architecture.",
    );
    return true;
  });
  tf.dispose([x, y]);
});

test("a checkpoint keyed by tfjs's numbered names (the former keys) is refused saying so, and the fix given loads it", async () => {
  const { x, y } = data();
  const old = blobsNet();
  const [first, last] = [old.layers[0].name, old.layers[2].name];
  const saved = adapterModel(old, { layerKeys: "names" });
  await saved.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  const dir = tmpDir("adapter-keys");
  await saved.save(dir);
  const fresh = adapterModel(blobsNet());
  await assert.rejects(fresh.loadWeights(dir), (error: Error) => {
    assert.ok(error instanceof ElegyCheckpointError);
    const lines = error.message.split("\n");
    assert.equal(lines[0], `The checkpoint at ${dir} (saved from Model) does not fit this Model: 24 leaves differ:`);
    assert.equal(
      lines[lines.length - 1],
      "These leaves differ only by tfjs's numbering of layers created without a name: the checkpoint keys them by tfjs's names " +
        `(netParams.${first}.bias), which tfjs numbers per process in the order layers are created (elegy-ts keyed nn.LayersAdapter weights so before), ` +
        "while this model keys them by position and kind (netParams.0_dense.kernel), the same in every process. To load it, give the tf layers the checkpoint's names " +
        `(tf.layers.…({ name: "${first}", … })) and build the adapter with new nn.LayersAdapter(tfModel, { layerKeys: "names" }), ` +
        "which keeps names as they are; it then loads, and saves under those names.",
    );
    return true;
  });
  // The fix: the checkpoint's names, kept as they are.
  const named = tf.sequential({
    layers: [tf.layers.dense({ units: 16, activation: "relu", inputShape: [4], name: first }), tf.layers.dropout({ rate: 0.2 }), tf.layers.dense({ units: 3, name: last })],
  });
  const fixed = adapterModel(named, { layerKeys: "names" });
  await fixed.loadWeights(dir);
  const [a, b] = [(await saved.predict(x)) as tf.Tensor, (await fixed.predict(x)) as tf.Tensor];
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  tf.dispose([x, y, a, b]);
});

test("the tf.LayersModel given to the adapter is not changed by fit; writeBack gives it the trained weights", async () => {
  const { x, y } = data();
  const tfModel = blobsNet();
  const initial = tf.tidy(() => tfModel.predict(x) as tf.Tensor);
  const adapter = new nn.LayersAdapter(tfModel);
  const model = new Model({ module: adapter, loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }), optimizer: optimizers.adam(1e-2), backend: "cpu" });
  await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
  const unchanged = tf.tidy(() => tfModel.predict(x) as tf.Tensor);
  assert.deepEqual(Array.from(unchanged.dataSync()), Array.from(initial.dataSync()));
  adapter.writeBack(model.states.netParams as never, model.states.netStates as never);
  const trained = (await model.predict(x)) as tf.Tensor;
  const written = tf.tidy(() => tfModel.predict(x) as tf.Tensor);
  assert.deepEqual(Array.from(written.dataSync()), Array.from(trained.dataSync()));
  tf.dispose([x, y, initial, unchanged, trained, written]);
});
