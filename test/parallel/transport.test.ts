// The pieces under data-parallel training: trees of tensors through shared memory, shard
// sizes, and merging running metric and loss states as if one thread had seen every batch.
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyInputError, ensureBackend, losses, metrics, tf, type TensorTree } from "elegy-ts";
import { makeLossAggregate } from "../../src/losses/aggregate";
import { makeMetricAggregate } from "../../src/metrics/aggregate";
import { shardRows } from "../../src/parallel/data-parallel";
import { Inbox, bufferFor, flatten, writeFlat } from "../../src/parallel/tensor-transport";
import { addTrees } from "../../src/tree";

const values = (t: unknown) => Array.from((t as tf.Tensor).dataSync());

test("transport: a tree of tensors, host arrays, numbers and plain values comes back the same", async () => {
  await ensureBackend("wasm");
  const weights = tf.tensor2d([[1.5, -2], [3, 4e-8]]);
  const counts = tf.tensor1d([7, -1, 2 ** 30], "int32");
  const mask = tf.tensor1d([true, false, true], "bool");
  const parts = {
    fields: { netParams: { dense: { kernel: weights }, list: [counts, mask] }, note: "plain", flag: false, gone: undefined, none: null },
    host: { data: Float32Array.of(9, 8, 7, 6), shape: [2, 2], dtype: "float32" as const },
    numbers: [0.1, NaN, -Infinity, 1e300, 42],
    metrics: { total: tf.tensor1d([5, 5, 5]), count: tf.scalar(3) },
  };
  const flat = flatten(parts, new Set(["metrics"]));
  const buffer = bufferFor(undefined, flat.layout.bytes);
  writeFlat(flat, buffer);
  // Through structured clone, as the layout travels between threads.
  const inbox = new Inbox();
  const back = inbox.fill(structuredClone(flat.layout), buffer) as typeof parts;
  const kernel = back.fields.netParams.dense.kernel;
  assert.deepEqual(kernel.shape, [2, 2]);
  assert.deepEqual(values(kernel), values(weights));
  assert.equal(back.fields.netParams.list[0].dtype, "int32");
  assert.deepEqual(values(back.fields.netParams.list[0]), [7, -1, 2 ** 30]);
  assert.equal(back.fields.netParams.list[1].dtype, "bool");
  assert.deepEqual(values(back.fields.netParams.list[1]), [1, 0, 1]);
  assert.equal(back.fields.note, "plain");
  assert.equal(back.fields.flag, false);
  assert.equal(back.fields.none, null);
  assert.ok("gone" in back.fields && back.fields.gone === undefined);
  assert.deepEqual(values(back.host), [9, 8, 7, 6]);
  assert.deepEqual(back.numbers, [0.1, NaN, -Infinity, 1e300, 42]);
  // Zero parts travel as shapes only: zeros of the same shapes and dtypes.
  assert.deepEqual(values(back.metrics.total), [0, 0, 0]);
  assert.deepEqual(back.metrics.count.shape, []);
  // The received tensors are copies: the buffer can be overwritten.
  new Float32Array(buffer).fill(0);
  assert.deepEqual(values(kernel), values(weights));
  tf.dispose([weights, counts, mask, parts.metrics.total, parts.metrics.count]);
  inbox.dispose();
  assert.ok(kernel.isDisposed && back.metrics.count.isDisposed, "the inbox frees what it made");
});

test("transport: the signature changes with the structure or a shape, not with values or numbers", () => {
  const a = tf.zeros([3, 2]);
  const b = tf.ones([3, 2]);
  const c = tf.zeros([4, 2]);
  const sig = (tree: unknown) => flatten({ tree }).layout.signature;
  assert.equal(sig({ w: a, lr: 0.1 }), sig({ w: b, lr: 0.2 }));
  assert.notEqual(sig({ w: a }), sig({ w: c }));
  assert.notEqual(sig({ w: a }), sig({ v: a }));
  assert.notEqual(sig({ w: a }), sig({ w: tf.cast(a, "int32") }));
  const buffer = bufferFor(undefined, 100);
  assert.equal(bufferFor(buffer, 100), buffer);
  assert.ok(bufferFor(buffer, buffer.byteLength + 1).byteLength > buffer.byteLength);
  tf.dispose([a, b, c]);
});

test("transport: what cannot travel between threads is named", () => {
  class Teacher {}
  assert.throws(
    () => flatten({ fields: { teacher: new Teacher() } }, new Set(), (part, path) => `states${path}`),
    (e: Error) => e instanceof ElegyInputError && e.message ===
      "states.teacher is a Teacher, which replicas cannot copy to their worker threads: only tensors and plain data " +
      "(numbers, strings, booleans, arrays and plain objects of them) can travel.",
  );
  const words = tf.tensor1d(["a"], "string");
  assert.throws(() => flatten({ logs: { words } }), /logs\.words is a string tensor; replicas can only pass float32, int32 and bool tensors between threads\./);
  words.dispose();
});

test("transport: an inbox refills its tensors in place on wasm, makes new ones on cpu, and gives up those a caller keeps", async () => {
  for (const backend of ["wasm", "cpu"] as const) {
    await ensureBackend(backend);
    const before = tf.memory().numTensors;
    const send = (w: number[], n: number[], step: number) => {
      const flat = flatten({ fields: { w: tf.tensor1d(w), n: tf.tensor1d(n, "int32") }, metrics: { count: tf.scalar(9) }, step }, new Set(["metrics"]));
      const buffer = bufferFor(undefined, flat.layout.bytes);
      writeFlat(flat, buffer);
      tf.dispose(flat.leaves as tf.Tensor[]);
      return { layout: structuredClone(flat.layout), buffer };
    };
    type Parts = { fields: { w: tf.Tensor; n: tf.Tensor }; metrics: { count: tf.Tensor }; step: number };
    const inbox = new Inbox();
    const first = send([1, 2, 3], [4, 5], 1);
    const a = inbox.fill(first.layout, first.buffer) as Parts;
    assert.deepEqual([values(a.fields.w), values(a.fields.n), values(a.metrics.count), a.step], [[1, 2, 3], [4, 5], [0], 1]);
    // The same layout again (as a replica receives it: no new message), other values.
    const b = inbox.fill(first.layout, send([-1, 0.5, 7], [6, -7], 2).buffer) as Parts;
    assert.deepEqual([values(b.fields.w), values(b.fields.n), values(b.metrics.count), b.step], [[-1, 0.5, 7], [6, -7], [0], 2]);
    assert.equal(b.fields.w === a.fields.w, backend === "wasm", "the same tensor, refilled, only where the heap can be written");
    assert.equal(a.fields.w.isDisposed, backend === "cpu");
    // A caller keeps b's w as it is (in its new states): the next fill leaves it alone.
    inbox.release(new Set([b.fields.w]));
    const c = inbox.fill(first.layout, send([8, 8, 8], [1, 1], 3).buffer) as Parts;
    assert.notEqual(c.fields.w, b.fields.w);
    assert.ok(!inbox.owns(b.fields.w) && inbox.owns(c.fields.w));
    assert.deepEqual([values(b.fields.w), values(c.fields.w), values(c.fields.n)], [[-1, 0.5, 7], [8, 8, 8], [1, 1]]);
    // Another layout (a smaller last batch) makes new tensors.
    const other = send([5], [2], 4);
    const d = inbox.fill(other.layout, other.buffer) as Parts;
    assert.deepEqual([values(d.fields.w), d.fields.w.shape], [[5], [1]]);
    inbox.dispose();
    assert.ok(d.fields.w.isDisposed && d.metrics.count.isDisposed);
    b.fields.w.dispose();
    assert.equal(tf.memory().numTensors, before, "nothing leaked");
  }
  await ensureBackend("wasm");
});

test("shards: contiguous, as equal as possible, the first ones taking the extra rows", () => {
  assert.deepEqual(shardRows(64, 2), [32, 32]);
  assert.deepEqual(shardRows(33, 2), [17, 16]);
  assert.deepEqual(shardRows(1, 2), [1, 0]);
  assert.deepEqual(shardRows(5, 3), [2, 2, 1]);
});

test("merge: addTrees adds leaf by leaf (a zeroed scalar and a per-class state broadcast) and names a mismatch", () => {
  const merged = addTrees([{ tp: tf.scalar(0), n: tf.scalar(2) }, { tp: tf.tensor1d([1, 2]), n: tf.scalar(3) }] as TensorTree[]) as Record<string, tf.Tensor>;
  assert.deepEqual(values(merged.tp), [1, 2]);
  assert.deepEqual(values(merged.n), [5]);
  assert.throws(() => addTrees([{ a: tf.scalar(1) }, { b: tf.scalar(1) }], ["mine", "theirs"]), /theirs does not have the leaves of mine/);
});

/** Two halves of a batch, and the batch. */
function halves() {
  const yTrue = tf.tensor1d([0, 1, 2, 1, 0, 2, 2, 1], "int32");
  const yPred = tf.tensor2d([[3, 1, 0], [0, 2, 1], [1, 0, 2], [2, 1, 0], [1, 1, 0], [0, 0, 4], [0, 3, 1], [0, 1, 0]]);
  const part = (t: tf.Tensor, s: number) => t.slice(s, 4);
  return { whole: { yTrue, yPred }, first: { yTrue: part(yTrue, 0), yPred: part(yPred, 0) }, second: { yTrue: part(yTrue, 4), yPred: part(yPred, 4) } };
}

test("merge: the loss aggregate's merged running state gives the logs of one pass over both halves", () => {
  const loss = makeLossAggregate(losses.sparseCategoricalCrossentropy({ fromLogits: true }));
  const { whole, first, second } = halves();
  const once = loss.update(loss.update(loss.init(), first).state, second);
  const split = loss.merge([loss.update(loss.init(), first).state, loss.update(loss.init(), second).state]);
  const a = loss.result(once.state);
  const b = loss.result(split);
  assert.deepEqual(Object.keys(b), ["loss", "sparse_categorical_crossentropy_loss"]);
  for (const name of Object.keys(a)) assert.ok(Math.abs(values(a[name])[0] - values(b[name])[0]) < 1e-6, name);
  const direct = loss.update(loss.init(), whole);
  assert.ok(Math.abs(values(direct.logs.loss)[0] - values(b.loss)[0]) < 1e-6);
  assert.deepEqual(loss.sumReduced, []);
  assert.deepEqual(makeLossAggregate(losses.meanSquaredError({ reduction: "sum" })).sumReduced, ["mean_squared_error"]);
});

test("merge: metrics (accuracy, precision, F1 per class) merge to the one-pass result; a metric without merge is named", () => {
  const agg = makeMetricAggregate([metrics.sparseCategoricalAccuracy(), metrics.precision({ classId: 1 }), metrics.f1()]);
  const { whole, first, second } = halves();
  const once = agg.update(agg.init(), whole);
  const split = agg.merge([agg.update(agg.init(), first).state, agg.update(agg.init(), second).state]);
  const merged = agg.result(split);
  for (const name of Object.keys(once.logs)) {
    assert.ok(Math.abs(values(once.logs[name])[0] - values(merged[name])[0]) < 1e-6, `${name}: ${values(once.logs[name])} vs ${values(merged[name])}`);
  }
  const custom = {
    name: "custom", init: () => tf.scalar(0), update: (s: TensorTree) => s, result: (s: TensorTree) => s as tf.Scalar,
    call: () => tf.scalar(0),
  };
  const withCustom = makeMetricAggregate(custom);
  assert.throws(
    () => withCustom.merge([withCustom.init(), withCustom.init()]),
    (e: Error) => e instanceof ElegyInputError && e.message ===
      "metric 'custom' has no merge(states) method, so the running states of several replicas cannot be combined. Give it one " +
      "(BaseMetric's adds states leaf by leaf, right for totals and counts), or train with replicas: 1.",
  );
});
