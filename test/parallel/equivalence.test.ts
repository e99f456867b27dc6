// fit(x, y, { replicas: 2 }) trains as one thread does, up to float summation order: the same
// params after the same batches, the same epoch logs (losses, accuracy, precision, F1), with
// uneven and tiny batches, weights, datasets and a custom @gradStep; the same accuracy on MNIST.
import test from "node:test";
import assert from "node:assert/strict";
import { Model, callbacks, datasets, ensureBackend, tf, type StateTree, type TensorTree } from "elegy-ts";
import { replicaStats } from "../support/replica-spy";
import { BatchNormMLP, ClippedGradMLP, MnistMLP, SmallAdamMLP, SmallMLP } from "../support/parallel-models";

/** Seeded images [n, 8, 8] and labels that depend on the pixels (so there is something to learn). */
function data(n: number, seed = 3): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 8, 8], 0, 1, "float32", seed);
    const y = tf.argMax(tf.matMul(x.reshape([n, 64]), tf.randomNormal([64, 10], 0, 1, "float32", seed + 1)), -1).toInt();
    return { x, y };
  });
}

function flat(tree: StateTree): Float32Array[] {
  const out: Float32Array[] = [];
  const visit = (t: unknown): void => {
    if (t instanceof tf.Tensor) out.push(t.dataSync() as Float32Array);
    else if (t && typeof t === "object") for (const k of Object.keys(t).sort()) visit((t as Record<string, unknown>)[k]);
  };
  visit(tree);
  return out;
}

function scaleTree(tree: TensorTree, factor: number): TensorTree {
  if (tree instanceof tf.Tensor) return tf.mul(tree, factor);
  if (Array.isArray(tree)) return tree.map((t) => scaleTree(t, factor));
  if (tree && typeof tree === "object") return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, scaleTree(v as TensorTree, factor)]));
  return tree;
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  a.forEach((leaf, i) => leaf.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - b[i][k])))));
  return worst;
}

function sameHistory(h1: Record<string, number[]>, h2: Record<string, number[]>, tolerance = 1e-5): void {
  assert.deepEqual(Object.keys(h2), Object.keys(h1));
  for (const name of Object.keys(h1)) {
    h1[name].forEach((v, e) => assert.ok(Math.abs(v - h2[name][e]) <= tolerance, `${name} epoch ${e}: ${v} vs ${h2[name][e]}`));
  }
}

/** Trains two models of one class alike, the second with replicas; returns both and the replica's answered commands per epoch. */
async function twin<M extends Model>(make: () => M, x: tf.Tensor, y: tf.Tensor, options: Record<string, unknown>) {
  const one = make();
  const two = make();
  const h1 = await one.fit(x, y, { shuffle: false, verbose: 0, ...options });
  const answered: number[] = [];
  const watch = callbacks.lambda({ onEpochEnd: () => void answered.push(replicaStats().answered[0]) });
  const h2 = await two.fit(x, y, { shuffle: false, verbose: 0, ...options, replicas: 2, callbacks: [watch] });
  return { one, two, h1: h1.history, h2: h2.history, answered };
}

test("replicas: 2 gives the params and epoch logs of one thread (SGD; losses, accuracy, precision, F1)", async () => {
  await ensureBackend("wasm");
  const { x, y } = data(200);
  const { one, two, h1, h2, answered } = await twin(() => new SmallMLP({ seed: 7 }), x, y, { epochs: 2, batchSize: 64 });
  // 4 batches an epoch (the last of 8 rows): the replica answered its first-step check, then one shard of every batch.
  assert.deepEqual(answered, [5, 9]);
  assert.deepEqual(Object.keys(h2), [
    "loss", "sparse_categorical_crossentropy_loss", "l2_regularization_loss", "sparse_categorical_accuracy", "precision", "f1_score", "lr",
  ]);
  sameHistory(h1, h2);
  const diff = maxDiff(flat(one.states.netParams), flat(two.states.netParams));
  assert.ok(diff < 1e-5, `params differ by ${diff}`);
  tf.dispose([x, y]);
});

test("replicas: 2 with Adam follows one thread", async () => {
  const { x, y } = data(320);
  const { one, two, h1, h2 } = await twin(() => new SmallAdamMLP({ seed: 7 }), x, y, { epochs: 2, batchSize: 64 });
  sameHistory(h1, h2);
  const diff = maxDiff(flat(one.states.netParams), flat(two.states.netParams));
  assert.ok(diff < 1e-5, `params differ by ${diff}`);
  const optimizer = maxDiff(flat(one.states.optimizerStates), flat(two.states.optimizerStates));
  assert.ok(optimizer < 1e-5, `optimizer states differ by ${optimizer}`);
  tf.dispose([x, y]);
});

test("replicas: States changed between steps (setStates, ReduceLROnPlateau) reach the replicas' own copies", async () => {
  const { x, y } = data(256);
  // The same callbacks on both: every third batch a lambda scales the params through setStates; the learning rate is cut each epoch.
  const changes = (model: Model) => [
    callbacks.lambda({
      onTrainBatchEnd: (batch) => {
        if (batch % 3 !== 2) return;
        const netParams = tf.tidy(() => scaleTree(model.states.netParams, 0.9) as tf.TensorContainer) as TensorTree;
        model.setStates(model.states.update({ netParams }));
      },
    }),
    callbacks.reduceLROnPlateau({ monitor: "loss", patience: 0, factor: 0.5, minDelta: 10 }),
  ];
  const one = new SmallAdamMLP({ seed: 3 });
  const two = new SmallAdamMLP({ seed: 3 });
  const h1 = await one.fit(x, y, { epochs: 3, batchSize: 64, shuffle: false, verbose: 0, callbacks: changes(one) });
  const h2 = await two.fit(x, y, { epochs: 3, batchSize: 64, shuffle: false, verbose: 0, replicas: 2, callbacks: changes(two) });
  assert.deepEqual(h2.history.lr.map((v) => Math.round(v * 1e7) / 1e7), [0.001, 0.001, 0.0005]);
  sameHistory(h1.history, h2.history);
  const diff = maxDiff(flat(one.states.netParams), flat(two.states.netParams));
  assert.ok(diff < 1e-5, `params differ by ${diff}`);
  tf.dispose([x, y]);
});

test("replicas: uneven shards and a last batch of one row (the main thread alone)", async () => {
  const { x, y } = data(100);
  // Batches 33, 33, 33, 1: shards of 17 and 16 rows, then 1 and none.
  const { one, two, h1, h2, answered } = await twin(() => new SmallMLP({ seed: 1 }), x, y, { epochs: 1, batchSize: 33 });
  assert.deepEqual(answered, [4]);
  sameHistory(h1, h2);
  assert.ok(maxDiff(flat(one.states.netParams), flat(two.states.netParams)) < 1e-5);
  tf.dispose([x, y]);
});

test("replicas: sample and class weights are split with their rows", async () => {
  const { x, y } = data(192);
  const sampleWeight = Float32Array.from({ length: 192 }, (_, i) => 0.25 + (i % 7) / 4);
  const { one, two, h1, h2 } = await twin(() => new SmallMLP({ seed: 2 }), x, y, {
    epochs: 2, batchSize: 64, sampleWeight, classWeight: { 0: 2, 3: 0.5, 7: 3, 9: 1 },
  });
  sameHistory(h1, h2);
  assert.ok(maxDiff(flat(one.states.netParams), flat(two.states.netParams)) < 1e-5);
  tf.dispose([x, y]);
});

test("replicas: a dataset of batches is split like tensors are", async () => {
  const { x, y } = data(256);
  const batches = {
    *[Symbol.iterator]() {
      for (let start = 0; start < 256; start += 64) yield { x: x.slice(start, 64), y: y.slice(start, 64) };
    },
  };
  const one = new SmallMLP({ seed: 4 });
  const two = new SmallMLP({ seed: 4 });
  const h1 = await one.fit(batches, undefined, { epochs: 2, verbose: 0 });
  const h2 = await two.fit(batches, undefined, { epochs: 2, verbose: 0, replicas: 2 });
  sameHistory(h1.history, h2.history);
  assert.ok(maxDiff(flat(one.states.netParams), flat(two.states.netParams)) < 1e-5);
  tf.dispose([x, y]);
});

test("replicas: a custom @gradStep runs on every shard; its fields are copied; per-batch logs are averaged", async () => {
  const { x, y } = data(192);
  const make = () => {
    const m = new ClippedGradMLP({ seed: 5 });
    m.maxNorm = 1e9; // never clips, so the shards' gradients average to the batch's
    return m;
  };
  const { one, two, h1, h2 } = await twin(make, x, y, { epochs: 2, batchSize: 64 });
  // Replicas are built with maxNorm = 1: the first-step check would have caught the copy missing (clip_at differs).
  assert.deepEqual(h2.clip_at, [1e9, 1e9]);
  assert.deepEqual(Object.keys(h2), ["loss", "sparse_categorical_crossentropy_loss", "sparse_categorical_accuracy", "grad_norm", "clip_at", "lr"]);
  for (const name of ["loss", "sparse_categorical_accuracy"]) h1[name].forEach((v, e) => assert.ok(Math.abs(v - h2[name][e]) < 1e-5, name));
  // A shard's gradient norm is not the batch's: the log is the row-weighted mean of the shards' norms.
  assert.ok(h2.grad_norm[0] > 0 && Number.isFinite(h2.grad_norm[0]));
  assert.ok(maxDiff(flat(one.states.netParams), flat(two.states.netParams)) < 1e-5);
  tf.dispose([x, y]);
});

test("replicas: BatchNorm statistics are the main thread's shard's (as DDP without SyncBatchNorm)", async () => {
  const { x, y } = data(64);
  const [x32, y32] = [x.slice(0, 32), y.slice(0, 32)];
  // Both initialize on the same rows (init runs the train chain, which updates the statistics too).
  const two = new BatchNormMLP({ seed: 6 });
  await two.init(x32, y32, { batchSize: 32 });
  await two.fit(x, y, { batchSize: 64, shuffle: false, verbose: 0, replicas: 2 });
  // One thread on the first 32 rows only: the same moving statistics after the same single step.
  const half = new BatchNormMLP({ seed: 6 });
  await half.init(x32, y32, { batchSize: 32 });
  await half.fit(x32, y32, { batchSize: 32, shuffle: false, verbose: 0 });
  const diff = maxDiff(flat(two.states.netStates), flat(half.states.netStates));
  assert.ok(diff < 1e-6, `moving statistics differ by ${diff}`);
  // The parameters, though, moved with the gradient of all 64 rows.
  assert.ok(maxDiff(flat(two.states.netParams), flat(half.states.netParams)) > 1e-4);
  tf.dispose([x, y, x32, y32]);
});

test("replicas: an MLP epoch on MNIST reaches the accuracy of one thread", async () => {
  const { train, test: testSet } = await datasets.mnist({ trainSize: 3000, testSize: 1000 });
  const scale = (t: tf.Tensor) => tf.tidy(() => t.div(255));
  const [trainX, testX] = [scale(train.x), scale(testSet.x)];
  const one = new MnistMLP({ seed: 9 });
  const two = new MnistMLP({ seed: 9 });
  await one.fit(trainX, train.y, { epochs: 1, batchSize: 64, verbose: 0 });
  await two.fit(trainX, train.y, { epochs: 1, batchSize: 64, verbose: 0, replicas: 2 });
  const a1 = (await one.evaluate(testX, testSet.y, { batchSize: 500 })).sparse_categorical_accuracy;
  const a2 = (await two.evaluate(testX, testSet.y, { batchSize: 500 })).sparse_categorical_accuracy;
  assert.ok(a1 > 0.8, `one thread: ${a1}`);
  assert.ok(Math.abs(a1 - a2) <= 0.003, `accuracy ${a1} (one thread) vs ${a2} (replicas)`);
  tf.dispose([trainX, testX, train.x, train.y, testSet.x, testSet.y]);
});

test("replicas: on the cpu backend too (the receiving thread copies out of shared memory)", async () => {
  const { x, y } = data(128);
  const { one, two, h1, h2 } = await twin(() => new SmallMLP({ seed: 8, backend: "cpu" }), x, y, { epochs: 1, batchSize: 64 });
  assert.equal(tf.getBackend(), "cpu");
  sameHistory(h1, h2);
  assert.ok(maxDiff(flat(one.states.netParams), flat(two.states.netParams)) < 1e-5);
  tf.dispose([x, y]);
});
