// The optional native kernel addon: the same results as wasm's own kernels (a child process
// computes them with ELEGY_NATIVE=0), and a clean fallback when the addon is missing.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import { Worker } from "node:worker_threads";
import * as path from "node:path";
import { ADDON_PATHS, loadNativeKernels, nativeStatus } from "../../../src/backend/native/addon";
import { nativeCases } from "./cases";
import { prepareProducts } from "./products";
import { tf } from "elegy-ts";

type Cases = { native: boolean; values: Record<string, number[]> };

function casesInChild(env: Record<string, string>): Cases {
  const out = spawnSync(process.execPath, [path.join(__dirname, "cases.js")], {
    encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 28,
  });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout.trim().split("\n").pop()!);
}

const withoutNative = () => casesInChild({ ELEGY_NATIVE: "0" });

function assertSameCases(ours: Cases, theirs: Cases, what: string): void {
  assert.deepEqual(Object.keys(ours.values).sort(), Object.keys(theirs.values).sort());
  for (const [name, values] of Object.entries(ours.values)) {
    const expected = theirs.values[name];
    assert.equal(values.length, expected.length, name);
    const scale = expected.reduce((most, v) => Math.max(most, Math.abs(v)), 1);
    const tol = name.startsWith("fit") ? 1e-3 : 1e-4;
    values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= tol * scale, `${what}: ${name}[${i}]: native ${v} vs wasm ${expected[i]}`));
  }
}

test("without the addon (ELEGY_NATIVE=0, or not built) elegy-ts says why and runs on wasm's kernels", () => {
  const missing = loadNativeKernels([path.join(__dirname, "no-such-addon.node")]);
  assert.equal(missing.kernels, undefined);
  assert.equal(missing.status.loaded, false);
  assert.match(missing.status.detail, /no-such-addon\.node: not built .*npm run build:native/);
  const fallback = withoutNative();
  assert.equal(fallback.native, false, "the child ran without native kernels");
  assert.ok(Object.keys(fallback.values).length >= 15, "every case ran on the fallback kernels");
  assert.ok(fallback.values["fit: predictions after 6 Adam steps#0"].every(Number.isFinite));
});

test("native kernels (matMul, conv2d and its gradients, fused Adam in fit) match wasm's own results, on every ISA path", async (t) => {
  if (!nativeStatus().loaded) {
    t.skip(`native addon not available here: ${nativeStatus().detail}`);
    return;
  }
  assert.ok(ADDON_PATHS.includes(nativeStatus().detail));
  const ours = await nativeCases();
  assert.equal(ours.native, true);
  const theirs = withoutNative();
  assertSameCases(ours, theirs, nativeStatus().isa);
  // The narrower micro-kernels this CPU would not pick by itself.
  const narrower = nativeStatus().isa === "avx512" ? ["avx2", "0"] : nativeStatus().isa === "avx2" ? ["0"] : [];
  for (const simd of narrower) assertSameCases(casesInChild({ ELEGY_NATIVE_SIMD: simd }), theirs, `ELEGY_NATIVE_SIMD=${simd}`);
});

test("large GEMMs and Adam updates split over two threads give the one-thread results bit for bit; ELEGY_NATIVE_THREADS=1 and setThreads(1) keep them on one", async (t) => {
  const native = loadNativeKernels().kernels;
  if (!native) {
    t.skip(`native addon not available here: ${nativeStatus().detail}`);
    return;
  }
  if (os.availableParallelism() < 2) {
    assert.equal(nativeStatus().threads, 1, "one core: one thread");
    t.skip("one core here: nothing to split");
    return;
  }
  assert.equal(nativeStatus().threads, 2, "two cores: the helper thread is on by default");
  // Both threads claim a large kernel's chunks as they come free, and a helper that has not started (it sleeps
  // after 2 ms idle) leaves them all to the caller, so which thread computes which chunk varies; the results must not.
  // On a busy machine the helper may miss many products in a row: keep multiplying until it has computed a chunk.
  const jobsBefore = native.helperJobs();
  tf.tidy(() => {
    const [a, b] = [tf.ones([64, 784]), tf.ones([784, 300])];
    for (let i = 0; i < 2000 && native.helperJobs() === jobsBefore; i++) tf.matMul(a, b).dataSync();
  });
  assert.ok(native.helperJobs() > jobsBefore, "the helper computed chunks of back-to-back large products");
  const ours = await nativeCases();
  const oneThread = casesInChild({ ELEGY_NATIVE_THREADS: "1" });
  for (const [name, values] of Object.entries(ours.values)) {
    assert.deepEqual(values, oneThread.values[name], `${name}: two threads and one agree exactly`);
  }
  const previous = native.setThreads(1);
  try {
    assert.equal(previous, 2);
    const before = native.helperJobs();
    tf.tidy(() => tf.matMul(tf.ones([64, 784]), tf.ones([784, 300])).dataSync());
    assert.equal(native.helperJobs(), before, "with setThreads(1) the helper runs nothing");
  } finally {
    native.setThreads(previous);
  }
});

test("however the large kernels are cut into chunks for the two threads (ELEGY_NATIVE_CHUNKS), each value is the one-thread value bit for bit", (t) => {
  if (!nativeStatus().loaded || os.availableParallelism() < 2) {
    t.skip("needs the native addon and two cores");
    return;
  }
  const oneThread = casesInChild({ ELEGY_NATIVE_THREADS: "1" });
  // 2: halves; 3: uneven chunks (a GEMM's 10 panels as 4 + 4 + 2); 64: one unit each (a panel, an image, 64 Adam values).
  for (const chunks of ["2", "3", "64"]) {
    const cut = casesInChild({ ELEGY_NATIVE_THREADS: "2", ELEGY_NATIVE_CHUNKS: chunks });
    assert.deepEqual(Object.keys(cut.values).sort(), Object.keys(oneThread.values).sort());
    for (const [name, values] of Object.entries(cut.values)) {
      assert.deepEqual(values, oneThread.values[name], `${name}: ${chunks} chunks on two threads and one thread agree exactly`);
    }
  }
});

// A broken hand-over between the threads shows as wrong products, or as a hang: the timeout makes that a failure.
test("two JS threads running large products at once (one shares its chunks with the helper, the other computes all of its own) both get exact results", { timeout: 60_000 }, async (t) => {
  if (!nativeStatus().loaded || nativeStatus().threads < 2) {
    t.skip("needs the native addon with its helper thread");
    return;
  }
  const run = await prepareProducts();
  const worker = new Worker(path.join(__dirname, "products.js"));
  try {
    const next = () => new Promise<unknown>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    assert.equal(await next(), "ready");
    const theirs = next();
    worker.postMessage(400); // both threads start their 400 products now
    const mine = run(400);
    const other = (await theirs) as { wrong: number; first: number[] };
    assert.deepEqual(mine.first, other.first, "both threads computed the same products");
    assert.equal(mine.wrong, 0, "the main thread's products never changed");
    assert.equal(other.wrong, 0, "the worker thread's products never changed");
  } finally {
    await worker.terminate();
  }
});

test("native allFinite (fit's input check) flags NaN and ±Infinity only", (t) => {
  const native = loadNativeKernels().kernels;
  if (!native) {
    t.skip(`native addon not available here: ${nativeStatus().detail}`);
    return;
  }
  const ok = Float32Array.from([0, -0, 1e-45, -3.4028234663852886e38, 3.4028234663852886e38, 1.5]);
  assert.equal(native.allFinite(ok), true);
  assert.equal(native.allFinite(new Float32Array(0)), true);
  for (const bad of [NaN, Infinity, -Infinity]) {
    const values = new Float32Array(1001).fill(0.5);
    values[1000] = bad;
    assert.equal(native.allFinite(values), false, String(bad));
    assert.equal(native.allFinite(values.subarray(0, 1000)), true, "a view sees only its own elements");
  }
  assert.throws(() => native.allFinite(new Int32Array(3) as unknown as Float32Array), /allFinite\(float32Array\)/);
});

test("the blocked native convolutions refuse tensors that lie outside the heap (they address it directly) and a wrong argument count", (t) => {
  const native = loadNativeKernels().kernels;
  if (!native) {
    t.skip(`native addon not available here: ${nativeStatus().detail}`);
    return;
  }
  const heap = new ArrayBuffer(4000);
  // x [2, 5, 5, 3] (150 floats) ⊛ [3, 3, 3, 4] (108) → [2, 3, 3, 4] (72): at bytes 0, 600 and 1032, inside the heap.
  const geometry = [2, 5, 5, 3, 3, 3, 3, 3, 1, 1, 0, 0, 1, 1];
  const [x, filter, out] = [0, 600, 1032];
  native.convBiasAct(heap, x, filter, -1, out, ...geometry, 4, true);
  native.convInputGrad(heap, out, filter, x, ...geometry, 4);
  native.convFilterGrad(heap, x, out, filter, ...geometry, 4);
  assert.throws(() => native.convBiasAct(heap, x, filter, -1, 3800, ...geometry, 4, true), { message: "convBiasAct: a tensor lies outside the heap" });
  assert.throws(() => native.convInputGrad(heap, out, filter, 3500, ...geometry, 4), { message: "convInputGrad: a tensor lies outside the heap" });
  assert.throws(() => native.convFilterGrad(heap, x, 3900, filter, ...geometry, 4), { message: "convFilterGrad: a tensor lies outside the heap" });
  assert.throws(() => native.convFilterGrad(heap, x, out, filter, ...geometry), {
    message: "convFilterGrad(heap, x, dy, dw, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW, outChannels)",
  });
});
