// Checkpoints record the architecture; every load path compares it with the model's own.
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyCheckpointError, Model, States, losses, nn, optimizers, tf, trainStep, type Logs, type ModelOptions } from "elegy-ts";
import { tmpDir } from "../support/models";

const small = (hidden: number, out: number, options: ModelOptions = {}) =>
  new Model({
    module: new nn.Sequential([new nn.Linear(hidden), nn.relu, new nn.Linear(out)]),
    loss: losses.meanSquaredError(),
    optimizer: optimizers.adam(0.01),
    backend: "cpu",
    ...options,
  });

const data = () => ({ x: tf.randomNormal([16, 8], 0, 1, "float32", 3), y: tf.randomNormal([16, 1], 0, 1, "float32", 4) });

async function savedSmall(): Promise<{ dir: string; model: Model }> {
  const { x, y } = data();
  const model = small(32, 1);
  await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
  const dir = tmpDir("arch");
  await model.save(dir);
  tf.dispose([x, y]);
  return { dir, model };
}

const MISMATCH = (dir: string) =>
  `The checkpoint at ${dir} (saved from Model) does not fit this Model: 12 leaves differ:\n` +
  "  netParams.linear.kernel: the checkpoint has [8, 32], this model [8, 10]\n" +
  "  netParams.linear.bias: the checkpoint has [32], this model [10]\n" +
  "  netParams.linear_1.kernel: the checkpoint has [32, 1], this model [10, 3]\n" +
  "  netParams.linear_1.bias: the checkpoint has [1], this model [3]\n" +
  "  optimizerStates.slots.m.linear.bias: the checkpoint has [32], this model [10]\n" +
  "  … and 7 more\n" +
  "Build the model as the one that saved it (same module, layers and optimizer), or load a checkpoint of this architecture.";

async function refused(run: () => Promise<unknown>, message: string): Promise<void> {
  const before = tf.memory().numTensors;
  await assert.rejects(run, (error: Error) => {
    assert.ok(error instanceof ElegyCheckpointError, `${error.name}: ${error.message}`);
    assert.equal(error.message, message);
    return true;
  });
  assert.equal(tf.memory().numTensors, before, "a refused load leaks no tensor");
}

test("architecture: a fresh model of another architecture refuses the checkpoint on every load path", async () => {
  const { dir } = await savedSmall();
  const other = small(10, 3);
  await refused(() => other.loadWeights(dir), MISMATCH(dir));
  assert.equal(other.initialized, false, "a refused load leaves the model uninitialized");
  await refused(() => Model.load(dir, {
    module: new nn.Sequential([new nn.Linear(10), nn.relu, new nn.Linear(3)]),
    loss: losses.meanSquaredError(), optimizer: optimizers.adam(0.01), backend: "cpu",
  }), MISMATCH(dir));
  const { x, y } = data();
  await refused(() => small(10, 3).fit(x, y, { epochs: 2, verbose: 0, resume: dir }), MISMATCH(dir));
  // An initialized model of another architecture: the same check, the same words.
  const initialized = small(10, 3);
  await initialized.init(x, y);
  const held = tf.memory().numTensors;
  await assert.rejects(initialized.loadWeights(dir), { message: MISMATCH(dir) });
  assert.equal(tf.memory().numTensors, held);
  tf.dispose([x, y]);
});

test("architecture: the same architecture loads bit-identically into a fresh model; summary, predict and initialized agree", async () => {
  const { dir, model } = await savedSmall();
  const before = tf.memory().numTensors;
  const fresh = small(32, 1);
  assert.equal(fresh.initialized, false);
  await fresh.loadWeights(dir);
  assert.equal(fresh.initialized, true);
  assert.equal(fresh.epoch, 1);
  const saved = [...model.states.tensors()].map((t) => Array.from(t.dataSync()));
  const loaded = [...fresh.states.tensors()].map((t) => Array.from(t.dataSync()));
  assert.deepEqual(loaded, saved);
  assert.deepEqual(fresh.states.rng.state, model.states.rng.state);
  // Only the checkpoint's tensors remain: the comparison's own init states were freed.
  assert.equal(tf.memory().numTensors - before, fresh.states.tensors().size);
  let text = "";
  fresh.summary((t) => (text = t));
  assert.match(text, /linear_1/);
  const x = tf.randomNormal([3, 8], 0, 1, "float32", 9);
  const [a, b] = [(await fresh.predict(x)) as tf.Tensor, (await model.predict(x)) as tf.Tensor];
  assert.deepEqual(a.shape, [3, 1]);
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  tf.dispose([x, a, b]);
});

class Regressor extends Model {}
class Classifier extends Model {}

test("architecture: a checkpoint of another class is refused unless allowOtherClass is given", async () => {
  const { x, y } = data();
  const options = () => ({ module: new nn.Linear(1), loss: losses.meanSquaredError(), backend: "cpu" });
  const source = new Regressor(options());
  await source.init(x, y);
  const dir = tmpDir("class");
  await source.save(dir);
  await refused(
    () => Classifier.load(dir, options()),
    `The checkpoint at ${dir} was saved from a Regressor, not a Classifier. Load it with Regressor.load(dir), ` +
      "or pass { allowOtherClass: true } to load it into this Classifier anyway (its states must still match leaf by leaf).",
  );
  const other = await Classifier.load(dir, { ...options(), allowOtherClass: true });
  assert.equal(other.initialized, true);
  const again = new Classifier(options());
  await again.loadWeights(dir, { allowOtherClass: true });
  await assert.rejects(Classifier.load(dir, { ...options(), allowOtherclass: true } as never), {
    name: "ElegyInputError",
    message: "Classifier.load() got an unknown option 'allowOtherclass'. Did you mean 'allowOtherClass'? Valid options: module, loss, metrics, optimizer, seed, backend, runEagerly, allowOtherClass.",
  });
  tf.dispose([x, y]);
});

/** Custom steps whose init needs yTrue (the head's width comes from the target), with plain number and boolean leaves (typed: no casts). */
class TargetShaped extends Model {
  @trainStep
  train(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [Logs, States] {
    if (initializing) {
      const w = tf.zeros([x.shape[1]!, yTrue.shape[1]!]);
      return [{}, states.update({ netParams: { w }, netStates: { calls: 0, warm: false }, optimizerStates: { step: 0 } })];
    }
    const loss = tf.mean(tf.square(x.matMul((states.netParams as { w: tf.Tensor }).w).sub(yTrue)));
    const counter = states.optimizerStates as { step: number };
    const calls = (states.netStates as { calls: number }).calls;
    return [{ loss }, states.update({ netStates: { calls: calls + 1, warm: true }, optimizerStates: { step: counter.step + 1 } })];
  }
}

test("architecture: init that needs yTrue gets zeros of the recorded target spec; plain-number leaves are compared and restored", async () => {
  const x = tf.ones([4, 3]);
  const y2 = tf.ones([4, 2]);
  const model = new TargetShaped({ backend: "cpu" });
  await model.fit(x, y2, { epochs: 3, batchSize: 4, verbose: 0 });
  const dir = tmpDir("target");
  await model.save(dir);
  const loaded = await TargetShaped.load(dir, { backend: "cpu" });
  assert.deepEqual(loaded.states.optimizerStates, { step: 3 });
  assert.deepEqual(loaded.states.netStates, { calls: 3, warm: true });
  // A checkpoint whose head is 5 wide (from its target) does not fit a model whose target is 2 wide.
  const y5 = tf.ones([4, 5]);
  const wide = new TargetShaped({ backend: "cpu" });
  await wide.fit(x, y5, { epochs: 1, batchSize: 4, verbose: 0 });
  const wideDir = tmpDir("target-wide");
  await wide.save(wideDir);
  const narrow = new TargetShaped({ backend: "cpu" });
  await narrow.init(x, y2);
  await assert.rejects(narrow.loadWeights(wideDir), {
    message:
      `The checkpoint at ${wideDir} (saved from TargetShaped) does not fit this TargetShaped: 1 leaf differs:\n` +
      "  netParams.w: the checkpoint has [3, 5], this model [3, 2]\n" +
      "Build the model as the one that saved it (same module, layers and optimizer), or load a checkpoint of this architecture.",
  });
  tf.dispose([x, y2, y5]);
});

test("architecture: a model built without an optimizer (for inference) loads a training checkpoint; one with another optimizer does not", async () => {
  const { dir, model } = await savedSmall();
  const inference = await Model.load(dir, { module: new nn.Sequential([new nn.Linear(32), nn.relu, new nn.Linear(1)]), backend: "cpu" });
  const x = tf.randomNormal([2, 8], 0, 1, "float32", 5);
  const [a, b] = [(await inference.predict(x)) as tf.Tensor, (await model.predict(x)) as tf.Tensor];
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  assert.ok(inference.states.optimizerStates !== undefined, "the optimizer state is kept, so a re-save loses nothing");
  const sgd = small(32, 1, { optimizer: optimizers.sgd(0.1) });
  await assert.rejects(sgd.loadWeights(dir), (error: Error) => {
    assert.ok(error instanceof ElegyCheckpointError);
    assert.match(error.message, /^The checkpoint at .* \(saved from Model\) does not fit this Model: \d+ leaves differ:\n {2}optimizerStates\./);
    return true;
  });
  tf.dispose([x, a, b]);
});
