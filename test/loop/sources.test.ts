import test from "node:test";
import assert from "node:assert/strict";
import { ElegyInputError, callbacks, optimizers, tf } from "elegy-ts";
import { LinearRegression, LinearRegressionWithPredStep, regressionData } from "../support/models";

const opts = () => ({ optimizer: optimizers.adam(0.1), backend: "cpu" });

test("data: a tf.data.Dataset of { x, y } (or tfjs' { xs, ys }) batches trains like tensors", async () => {
  const { x, y } = regressionData(128);
  const ds = tf.data.zip({ x: tf.data.array(x.unstack()), y: tf.data.array(y.unstack()) }).batch(32);
  const model = new LinearRegression(opts());
  const history = await model.fit(ds as never, undefined, { verbose: 0, epochs: 8 });
  assert.ok(history.history.loss[7] < history.history.loss[0] / 4, `loss falls: ${history.history.loss}`);
  const tfjsStyle = tf.data.zip({ xs: tf.data.array(x.unstack()), ys: tf.data.array(y.unstack()) }).batch(32);
  const logs = await model.evaluate(tfjsStyle as never);
  assert.ok(Math.abs(logs.loss - (await model.evaluate(x, y)).loss) < 1e-4);
  tf.dispose([x, y]);
});

test("data: an endless generator with stepsPerEpoch continues across epochs; tensors are freed", async () => {
  let made = 0;
  function* batches() {
    for (;;) {
      made++;
      yield tf.tidy(() => { const { x, y } = regressionData(16, made); return { x, y }; });
    }
  }
  const model = new LinearRegression(opts());
  await model.init(regressionData(4).x, regressionData(4).y);
  const before = tf.memory().numTensors;
  const history = await model.fit(batches() as never, undefined, { verbose: 0, epochs: 3, stepsPerEpoch: 5 });
  assert.equal(made, 15, "5 batches per epoch, the generator continued");
  assert.equal(history.epoch.length, 3);
  assert.equal(tf.memory().numTensors, before, "every batch the loop took was freed");
});

test("data: an async iterable of batches works for fit, evaluate and predict inputs", async () => {
  const { x, y } = regressionData(64);
  const xs = x.unstack(), ys = y.unstack();
  const asyncBatches = {
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < 64; i += 16) yield { x: tf.stack(xs.slice(i, i + 16)), y: tf.stack(ys.slice(i, i + 16)) };
    },
  };
  const model = new LinearRegression(opts());
  const history = await model.fit(asyncBatches as never, undefined, { verbose: 0, epochs: 4 });
  assert.equal(history.epoch.length, 4, "a re-iterable source starts over each epoch");
  tf.dispose([x, y, ...xs, ...ys]);
});

test("data: mistakes in dataset batches and arguments are named", async () => {
  const model = new LinearRegression(opts());
  const { x, y } = regressionData(8);
  await assert.rejects(model.fit([{ input: x }][Symbol.iterator]() as never, undefined, { verbose: 0 }),
    { message: "fit batch 0 has the field 'input'; dataset batches have the fields x, y and sampleWeight (or xs and ys)." });
  await assert.rejects(model.fit(tf.data.array([{ x, y }]) as never, y, { verbose: 0 }),
    { message: "fit(): x is a dataset, so y must be left out: the dataset's batches carry their own y." });
  await assert.rejects(model.fit(tf.data.array([{ x, y }]) as never, undefined, { verbose: 0, validationSplit: 0.2 }),
    { message: "fit(): validationSplit needs tensors; with a dataset, pass validationData instead." });
  await assert.rejects(model.fit([][Symbol.iterator]() as never, undefined, { verbose: 0 }), ElegyInputError);
  tf.dispose([x, y]);
});

test("data: x/y row mismatch, bad options and bad batch sizes get clear errors", async () => {
  const model = new LinearRegression(opts());
  const { x, y } = regressionData(10);
  await assert.rejects(model.fit(x, y.slice(0, 9), { verbose: 0 }),
    { message: "y has 9 examples but x has 10: every input, target and weight needs the same first dimension." });
  await assert.rejects(model.fit(x, y, { epoch: 3 } as never),
    { message: "fit() got an unknown option 'epoch'. Did you mean 'epochs'? Valid options: epochs, batchSize, verbose, callbacks, validationSplit, validationData, validationFreq, shuffle, classWeight, sampleWeight, initialEpoch, stepsPerEpoch, resume, replicas, signal." });
  await assert.rejects(model.fit(x, y, { batchSize: 0 }), { message: "fit(): batchSize must be a positive integer, got 0." });
  await assert.rejects(model.fit(x, y, { batchSize: 2.5 }), { message: "fit(): batchSize must be a positive integer, got 2.5." });
  await assert.rejects(model.fit(x, y, { sampleWeight: tf.ones([9]), verbose: 0 }),
    { message: "sampleWeight has 9 examples but x has 10: every input, target and weight needs the same first dimension." });
  tf.dispose([x, y]);
});

test("data: the last partial batch is kept, and shuffling is seeded by states.rng", async () => {
  const { x, y } = regressionData(10);
  const sizes: number[] = [];
  const model = new LinearRegression(opts());
  await model.fit(x, y, { verbose: 0, batchSize: 4, callbacks: [callbacks.lambda({ onTrainBatchEnd: (_b, info) => void sizes.push(info.size) })] });
  assert.deepEqual(sizes, [4, 4, 2]);
  const a = new LinearRegression({ ...opts(), seed: 7 }), b = new LinearRegression({ ...opts(), seed: 7 }), c = new LinearRegression({ ...opts(), seed: 8 });
  for (const m of [a, b, c]) await m.fit(x, y, { verbose: 0, batchSize: 3, epochs: 2 });
  const w = (m: LinearRegression) => Array.from((m.states.netParams as tf.Tensor).dataSync());
  assert.deepEqual(w(a), w(b), "same seed, same shuffles, same weights");
  assert.notDeepEqual(w(a), w(c), "another seed shuffles differently");
  tf.dispose([x, y]);
});

test("data: fit, evaluate, predict and init refuse a batchSize with a dataset (it yields its own batches), naming the fix; no tensor leaks", async () => {
  const { x, y } = regressionData(32);
  const dataset = tf.data.zip({ x: tf.data.array(x.unstack()), y: tf.data.array(y.unstack()) }).batch(8);
  const iterable = { *[Symbol.iterator]() { yield { x, y }; } };
  const model = new LinearRegression(opts());
  await model.init(x, y);
  const before = tf.memory().numTensors;
  const expected = (method: string, n: number) =>
    `${method}(): x is a dataset, which yields its own batches, so batchSize (${n}) must be left out: it would be ignored. ` +
    `Batch the dataset itself (e.g. dataset.batch(${n}) for a tf.data.Dataset, or yield batches of ${n} from your iterable), ` +
    `or pass tensors and ${method}() cuts them into batches of batchSize.`;
  const refused = (method: string, n: number) => (error: unknown) => {
    assert.ok(error instanceof ElegyInputError, `${method}: ${String(error)}`);
    assert.equal(error.message, expected(method, n));
    return true;
  };
  await assert.rejects(model.fit(dataset as never, undefined, { batchSize: 16, verbose: 0 }), refused("fit", 16));
  await assert.rejects(model.fit(iterable as never, undefined, { batchSize: 32, verbose: 0 }), refused("fit", 32));
  await assert.rejects(model.evaluate(dataset as never, undefined, { batchSize: 4 }), refused("evaluate", 4));
  await assert.rejects(new LinearRegressionWithPredStep(opts()).predict(iterable as never, { batchSize: 2 }), refused("predict", 2));
  await assert.rejects(new LinearRegression(opts()).init(dataset as never, undefined, { batchSize: 8 }), refused("init", 8));
  assert.equal(model.epoch, 0, "nothing trained");
  assert.equal(tf.memory().numTensors, before);
  // Without batchSize the same dataset trains; tensors with batchSize still take it.
  assert.equal((await model.fit(dataset as never, undefined, { verbose: 0 })).epoch.length, 1);
  assert.equal((await model.fit(x, y, { batchSize: 16, verbose: 0 })).epoch.length, 1);
  tf.dispose([x, y]);
});

test("data: a dataset of [x, y] tuples and an unbatched dataset are refused on their first element, with the fix; nothing leaks", async () => {
  const { x, y } = regressionData(64);
  const xs = x.unstack(), ys = y.unstack();
  const model = new LinearRegression(opts());
  await model.init(x, y);
  const before = tf.memory().numTensors;
  const tuples = tf.data.zip([tf.data.array(xs), tf.data.array(ys)]);
  await assert.rejects(model.fit(tuples as never, undefined, { verbose: 0 }), {
    name: "ElegyInputError",
    message: "fit batch 0: dataset elements must be { x, y?, sampleWeight? } objects; got an array of 2. Zip into an object: tf.data.zip({ x: xs, y: ys }) (or map each element: dataset.map(([x, y]) => ({ x, y }))).",
  });
  // Batched, tfjs's .batch() stacks the pairs into one tensor.
  const stacked = tf.data.zip([tf.data.array(xs), tf.data.array(xs)]).batch(32);
  await assert.rejects(model.evaluate(stacked as never), {
    name: "ElegyInputError",
    message: "evaluate batch 0: dataset elements must be { x, y?, sampleWeight? } objects; got one Tensor of shape [32, 2]. A tf.data.zip([xs, ys]).batch(n) stacks each [x, y] pair into one tensor: zip into an object instead, tf.data.zip({ x: xs, y: ys }).batch(n).",
  });
  const unbatched = tf.data.zip({ x: tf.data.array(xs), y: tf.data.array(ys) });
  await assert.rejects(model.fit(unbatched as never, undefined, { verbose: 0 }), {
    name: "ElegyInputError",
    message: `fit batch 0: the dataset's elements look unbatched (x has shape [${x.shape[1]}], y is a scalar): its elements must be batches, with the examples on the first axis. Call .batch(n) on it, e.g. dataset.batch(32).`,
  });
  assert.equal(tf.memory().numTensors, before, "the refused elements were freed");
  // Batched, the same data trains.
  await model.fit(unbatched.batch(32) as never, undefined, { verbose: 0 });
  tf.dispose([x, y, ...xs, ...ys]);
});

test("data: validationData with a key that is none of x, y, sampleWeight, or an array of more than 3, is refused before training", async () => {
  const { x, y } = regressionData(16);
  const w = tf.onesLike(y);
  const model = new LinearRegression(opts());
  const cases: Array<[unknown, string]> = [
    [{ x, y, weights: w }, "fit(): validationData has the key 'weights', which is none of x, y, sampleWeight. Give { x, y?, sampleWeight? } (or [x, y?, sampleWeight?], or a dataset)."],
    [{ x, y, sample_weight: w }, "fit(): validationData has the key 'sample_weight', which is none of x, y, sampleWeight. Did you mean 'sampleWeight'? Give { x, y?, sampleWeight? } (or [x, y?, sampleWeight?], or a dataset)."],
    [{ x, yTrue: y }, "fit(): validationData has the key 'yTrue', which is none of x, y, sampleWeight. Give { x, y?, sampleWeight? } (or [x, y?, sampleWeight?], or a dataset)."],
    [[x, y, w, "extra"], "fit(): validationData must be [x, y?, sampleWeight?], got an array of 4; or give { x, y, sampleWeight }."],
  ];
  for (const [validationData, message] of cases) {
    await assert.rejects(model.fit(x, y, { verbose: 0, validationData: validationData as never }), { name: "ElegyInputError", message });
  }
  assert.equal(model.epoch, 0, "nothing trained");
  const history = await model.fit(x, y, { verbose: 0, validationData: { x, y, sampleWeight: w } });
  assert.ok(Number.isFinite(history.history.val_loss[0]));
  tf.dispose([x, y, w]);
});
