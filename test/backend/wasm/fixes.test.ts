// Each wasm fix against the cpu backend's result, on the same tensors, and without leaks.
import test from "node:test";
import assert from "node:assert/strict";
import { ensureBackend, tf } from "elegy-ts";

async function onBoth(f: () => tf.Tensor | tf.Tensor[]): Promise<{ wasm: number[][]; cpu: number[][] }> {
  const run = async (backend: string) => {
    await ensureBackend(backend, { log: () => undefined });
    const before = tf.memory().numTensors;
    const out = tf.tidy(f);
    const values = (Array.isArray(out) ? out : [out]).map((t) => Array.from(t.dataSync()));
    tf.dispose(out);
    assert.equal(tf.memory().numTensors, before, `${backend}: no tensor leaked`);
    return values;
  };
  return { wasm: await run("wasm"), cpu: await run("cpu") };
}

function assertClose(a: number[][], b: number[][], tol: number, what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((values, i) => {
    assert.equal(values.length, b[i].length, `${what}: output ${i} size`);
    const scale = Math.max(1, ...b[i].map(Math.abs));
    values.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) <= tol * scale, `${what}[${i}][${j}]: wasm ${v} vs cpu ${b[i][j]}`));
  });
}

const normal = (shape: number[], seed: number, mean = 0) => tf.randomNormal(shape, mean, 1, "float32", seed);

test("Conv2DBackpropFilter (missing on wasm): filter gradients match cpu for valid/same padding and strides", async () => {
  for (const [pad, stride, shape] of [["valid", 1, [3, 9, 9, 3]], ["same", 2, [2, 10, 9, 2]], ["valid", 2, [2, 8, 8, 2]], ["same", 1, [1, 5, 5, 4]]] as const) {
    const { wasm, cpu } = await onBoth(() => {
      const x = normal([...shape], 1);
      return tf.grad((k: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, stride, pad).square().sum())(normal([3, 3, shape[3], 5], 2));
    });
    assertClose(wasm, cpu, 1e-4, `conv2d ${pad} stride ${stride}`);
  }
});

test("MaxPoolGrad: correct on wasm when window maxima are negative and there are several channels", async () => {
  const { wasm, cpu } = await onBoth(() => {
    const x = normal([2, 4, 4, 3], 3, -5);
    const weights = tf.range(1, 1 + 2 * 2 * 2 * 3).reshape([2, 2, 2, 3]);
    return tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 2, 2, "valid").mul(weights).sum())(x);
  });
  assertClose(wasm, cpu, 0, "maxPool grad, negative windows");
  const same = await onBoth(() => tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 3, 1, "same").square().sum())(normal([2, 5, 5, 4], 4)));
  assertClose(same.wasm, same.cpu, 1e-6, "maxPool grad, same padding, overlapping windows");
  const strided = await onBoth(() => tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, [3, 2], [2, 3], "same").mul(2).sum())(normal([3, 9, 10, 8], 16)));
  assertClose(strided.wasm, strided.cpu, 1e-6, "maxPool grad, non-square window and strides, 8 channels");
});

test("BatchMatMul with transposes: all four combinations, batched, forward and gradients", async () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const { wasm, cpu } = await onBoth(() => {
      const a = normal(ta ? [3, 5, 4] : [3, 4, 5], 5);
      const b = normal(tb ? [3, 6, 5] : [3, 5, 6], 6);
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D, ta, tb);
      const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => f(x, y).square().sum())([a, b]);
      return [f(a, b), ga, gb];
    });
    assertClose(wasm, cpu, 1e-5, `matMul transposeA=${ta} transposeB=${tb}`);
  }
});

test("kernels forwarded to cpu: depthwise conv gradients and unsortedSegmentSum", async () => {
  const depthwise = await onBoth(() => {
    const x = normal([2, 6, 6, 3], 7);
    const k = normal([3, 3, 3, 2], 8);
    const [gx, gk] = tf.grads((xx: tf.Tensor, kk: tf.Tensor) => tf.depthwiseConv2d(xx as tf.Tensor4D, kk as tf.Tensor4D, 1, "same").square().sum())([x, k]);
    return [gx, gk];
  });
  assertClose(depthwise.wasm, depthwise.cpu, 1e-4, "depthwise conv grads");
  const segments = await onBoth(() => tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4, 5]), tf.tensor1d([0, 2, 0, 1, 2], "int32"), 3));
  assert.deepEqual(segments.wasm, [[4, 4, 7]]);
  assertClose(segments.wasm, segments.cpu, 0, "unsortedSegmentSum");
});

test("Identity and same-dtype Cast share the input's buffer on wasm; either can be disposed first", async () => {
  await ensureBackend("wasm", { log: () => undefined });
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const before = { tensors: tf.memory().numTensors, data: backend.numDataIds() };
  const x = tf.tensor2d([[1, -2], [3, 4.5]]);
  const copy = tf.clone(x);
  const cast = tf.cast(x, "float32");
  assert.equal(copy.dataId, x.dataId, "clone shares the data");
  assert.equal(cast.dataId, x.dataId, "same-dtype cast shares the data");
  x.dispose();
  assert.deepEqual(Array.from(copy.dataSync()), [1, -2, 3, 4.5]);
  copy.dispose();
  assert.deepEqual(Array.from(cast.dataSync()), [1, -2, 3, 4.5]);
  // A real conversion still converts (and does not share).
  const ints = tf.cast(cast, "int32");
  assert.notEqual(ints.dataId, cast.dataId);
  assert.deepEqual(Array.from(ints.dataSync()), [1, -2, 3, 4]);
  tf.dispose([cast, ints]);
  assert.equal(tf.memory().numTensors, before.tensors);
  assert.equal(backend.numDataIds(), before.data, "the shared buffer is freed with its last tensor");
});

test("Conv2DBackpropInput as a forward conv: input gradients match cpu (valid/same, strides, non-square)", async () => {
  const cases = [["valid", 1, [2, 9, 9, 3], 3], ["same", 1, [2, 8, 7, 4], 3], ["same", 2, [2, 10, 9, 2], 3], ["valid", 2, [1, 9, 8, 3], 3], ["valid", [2, 1], [2, 7, 6, 2], 2], ["same", 3, [1, 11, 10, 2], 5]] as const;
  for (const [pad, stride, shape, k] of cases) {
    const { wasm, cpu } = await onBoth(() => {
      const kernel = normal([k, k, shape[3], 5], 12);
      return tf.grad((x: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, stride as [number, number], pad).mul(tf.range(0, 1, 1 / 5)).sum())(normal([...shape], 11));
    });
    assertClose(wasm, cpu, 1e-4, `conv2d input grad ${pad} stride ${stride} k ${k}`);
  }
});

test("Sum over leading axes (bias gradients) matches cpu; other reductions are unchanged", async () => {
  const { wasm, cpu } = await onBoth(() => {
    const x = normal([4, 5, 6, 7], 13);
    return [tf.sum(x, [0, 1, 2]), tf.sum(x, 0), tf.sum(x, [1, 0], true), tf.sum(x, [1, 2]), tf.sum(x), tf.sum(x, -1), tf.sum(tf.cast(x, "int32"), 0)];
  });
  assertClose(wasm, cpu, 1e-5, "sums");
  const grads = await onBoth(() => tf.grad((b: tf.Tensor) => tf.add(normal([3, 4, 4, 6], 14), b).square().sum())(normal([6], 15)));
  assertClose(grads.wasm, grads.cpu, 1e-4, "bias-add gradient");
});

test("OneHot honours a float32 dtype on wasm (wasm wrote int32 bits into the float tensor)", async () => {
  const { wasm, cpu } = await onBoth(() => [
    tf.oneHot(tf.tensor1d([0, 2, 1], "int32"), 3, 1, 0, "float32"),
    tf.oneHot(tf.tensor1d([1, 0], "int32"), 2, 5, -1, "float32"),
    tf.oneHot(tf.tensor1d([1, 0], "int32"), 2),
  ]);
  assert.deepEqual(wasm[0], [1, 0, 0, 0, 0, 1, 0, 1, 0]);
  assertClose(wasm, cpu, 0, "oneHot");
});
