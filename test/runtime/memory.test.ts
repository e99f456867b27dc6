// Memory discipline: tf.memory().numTensors must not grow across epochs, and must come back
// to its level after evaluate, predict, and a step that throws mid-epoch.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Model, States, callbacks, optimizers, testStep, tf, type Logs } from "elegy-ts";
import { LinearClassifier, LinearClassifierWithPredStep } from "../../examples/linear-classifier";

function synthetic(n: number, features: number, seed: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.randomUniform([n, features], 0, 255, "float32", seed);
    const y = tf.randomUniform([n], 0, 10, "int32", seed + 1);
    return { x, y };
  });
}

for (const backend of ["wasm", "cpu"]) {
  test(`memory (${backend}): tensor count is flat across epochs of fit with validation, and after evaluate and predict`, async () => {
    const { x, y } = synthetic(300, 784, 1);
    const model = new LinearClassifier({ optimizer: optimizers.adam(1e-3), backend });
    const counts: number[] = [];
    await model.fit(x, y, {
      epochs: 5,
      batchSize: 64,
      verbose: 0,
      validationSplit: 0.2,
      callbacks: [callbacks.lambda({ onEpochEnd: () => void counts.push(tf.memory().numTensors) })],
    });
    assert.equal(counts.length, 5);
    for (const c of counts.slice(1)) assert.equal(c, counts[0], `tensor counts per epoch: ${counts}`);
    const before = tf.memory().numTensors;
    await model.evaluate(x, y, { batchSize: 64 });
    assert.equal(tf.memory().numTensors, before, "evaluate leaks nothing");
    await model.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0 });
    assert.equal(tf.memory().numTensors, before, "a second fit leaks nothing");
    tf.dispose([x, y]);
  });
}

test("memory: predict leaks nothing but its result", async () => {
  const { x, y } = synthetic(100, 784, 2);
  const model = new LinearClassifierWithPredStep({ optimizer: optimizers.adam(1e-3) });
  await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  const before = tf.memory().numTensors;
  const out = (await model.predict(x, { batchSize: 32 })) as tf.Tensor;
  assert.deepEqual(out.shape, [100, 10]);
  assert.equal(tf.memory().numTensors, before + 1);
  out.dispose();
  tf.dispose([x, y]);
});

test("memory: a step that throws mid-epoch leaves no tensors behind", async () => {
  class FailsAtBatch3 extends Model {
    calls = 0;
    @testStep
    test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
      if (!initializing && ++this.calls === 3) {
        tf.ones([10, 10]); // made before the throw: must be freed too
        throw new Error("boom at batch 3");
      }
      const w = initializing ? tf.zeros([x.shape[1]!, 1]) : (states.netParams as tf.Tensor);
      const loss = tf.mean(tf.square(x.matMul(w).reshape([-1]).sub(yTrue.toFloat()))) as tf.Scalar;
      return [loss, { loss }, states.update({ netParams: w })];
    }
  }
  const { x, y } = synthetic(200, 4, 3);
  const model = new FailsAtBatch3({ optimizer: optimizers.sgd(0.01) });
  await model.init(x, y, { batchSize: 32 });
  const before = tf.memory().numTensors;
  await assert.rejects(model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 }), /boom at batch 3/);
  // The states of the last good batch replaced those of init, one for one; nothing else stays.
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
});

test("memory: flat across epochs with every stateful callback; save, loadWeights, Model.load and dispose give it all back", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "elegy-memory-"));
  try {
    const { x, y } = synthetic(300, 784, 4);
    const baseline = tf.memory().numTensors;
    const model = new LinearClassifier({ optimizer: optimizers.adam(1e-3) });
    const counts: number[] = [];
    await model.fit(x, y, {
      epochs: 6,
      batchSize: 64,
      verbose: 0,
      validationSplit: 0.2,
      callbacks: [
        callbacks.earlyStopping({ monitor: "val_loss", patience: 10, restoreBestWeights: true }),
        callbacks.modelCheckpoint({ filepath: path.join(dir, "best"), saveBestOnly: true, monitor: "val_loss" }),
        callbacks.reduceLROnPlateau({ monitor: "loss", patience: 1, factor: 0.5 }),
        callbacks.csvLogger({ filename: path.join(dir, "history.csv") }),
        callbacks.tensorBoard({ logDir: path.join(dir, "tb") }),
        callbacks.terminateOnNaN(),
        callbacks.lambda({ onEpochEnd: () => void counts.push(tf.memory().numTensors) }),
      ],
    });
    // The best-weights snapshot shares data with the live params, so from epoch 2 on the count is flat.
    for (const c of counts.slice(1)) assert.equal(c, counts[1], `tensor counts per epoch: ${counts}`);
    const trained = tf.memory().numTensors;
    await model.save(path.join(dir, "ckpt"));
    assert.equal(tf.memory().numTensors, trained, "save leaks nothing");
    await model.loadWeights(path.join(dir, "ckpt"));
    assert.equal(tf.memory().numTensors, trained, "loadWeights replaces the states one for one");
    const loaded = await LinearClassifier.load(path.join(dir, "ckpt"), { optimizer: optimizers.adam(1e-3) });
    assert.ok(tf.memory().numTensors > trained, "a loaded model holds its own tensors");
    loaded.dispose();
    assert.equal(tf.memory().numTensors, trained, "dispose frees a loaded model's tensors");
    model.dispose();
    assert.equal(tf.memory().numTensors, baseline, "dispose frees everything the model held");
    await model.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0 });
    assert.ok(model.initialized, "a disposed model initializes again on its next fit");
    model.dispose();
    assert.equal(tf.memory().numTensors, baseline);
    tf.dispose([x, y]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
