// The fused ops behind nn.Conv2D / nn.Linear (+ bias + ReLU) and nn.MaxPool2D (argmax
// pooling): the same values and gradients as the tf ops they replace, on cpu, wasm (native
// kernels when built, and their portable C++ loops) and wasm with ELEGY_NATIVE=0; Sequential fuses exactly
// [Conv2D|Linear, nn.relu]; fused and unfused models train to the same params.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Model, ensureBackend, losses, optimizers } from "../../src";
import { tf } from "../../src/tf";
import * as nn from "../../src/nn";
import { RNG } from "../../src/states";
import { leafPaths } from "../../src/tree";
import { conv2dBiasAct, convGeometry, denseBiasAct } from "../../src/backend/kernels/bias-act";
import { maxPoolWithArgmax } from "../../src/backend/kernels/max-pool-argmax";
import { nativeKernels, nativeStatus } from "../../src/backend/native/addon";
import { WasmBackend, heapBuffer, heapOffset } from "../../src/backend/wasm/kernel-types";
import { assertClose, assertNoLeak } from "../losses/support";
import { CaseResult, fusedCases } from "./fused-cases";

const TOLERANCE = 1e-4;

function assertCasesPass(results: CaseResult[], what: string): void {
  assert.ok(results.length >= 21, `${what}: only ${results.length} cases ran`);
  for (const { name, error } of results) {
    assert.ok(typeof error === "number" && error <= TOLERANCE, `${what}: ${name}: ${error}`);
  }
}

async function onBackend(name: "cpu" | "wasm"): Promise<void> {
  if (name === "wasm") await ensureBackend("wasm", { log: () => undefined });
  else await tf.setBackend("cpu");
  await tf.ready();
}

test("fused conv/dense + bias + ReLU and argmax max pooling equal the composed tf ops, forward and gradients, on cpu", async () => {
  await onBackend("cpu");
  let results: CaseResult[] = [];
  assertNoLeak(() => (results = fusedCases()), "the fused ops and their gradients");
  assertCasesPass(results, "cpu");
});

test(`… and on wasm (native kernels: ${nativeStatus().loaded ? nativeStatus().isa : "not built"})`, async () => {
  await onBackend("wasm");
  let results: CaseResult[] = [];
  assertNoLeak(() => (results = fusedCases()), "the fused ops and their gradients");
  assertCasesPass(results, `wasm, native ${nativeStatus().loaded}`);
});

function casesInChild(env: Record<string, string>): { native: boolean; results: CaseResult[] } {
  const out = spawnSync(process.execPath, [path.join(__dirname, "fused-cases.js")], {
    encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 24,
  });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout.trim().split("\n").pop()!);
}

test("… and on wasm without the native addon (ELEGY_NATIVE=0)", () => {
  const child = casesInChild({ ELEGY_NATIVE: "0" });
  assert.equal(child.native, false, "the child ran without native kernels");
  assertCasesPass(child.results, "wasm, ELEGY_NATIVE=0");
});

test("… and on the native kernels' portable C++ loops (ELEGY_NATIVE_SIMD=0)", (t) => {
  if (!nativeStatus().loaded) {
    t.skip(`native addon not available here: ${nativeStatus().detail}`);
    return;
  }
  const child = casesInChild({ ELEGY_NATIVE_SIMD: "0" });
  assert.equal(child.native, true, "the child ran on the native kernels");
  assertCasesPass(child.results, "wasm, ELEGY_NATIVE_SIMD=0");
});

test("the native direct convolution's portable loops (out-channels not a multiple of 8) match the tf ops", async (t) => {
  const native = nativeKernels();
  if (!native) {
    t.skip(`native addon not available here: ${nativeStatus().detail}`);
    return;
  }
  await onBackend("wasm");
  tf.tidy(() => {
    const x = tf.randomNormal([2, 6, 7, 2], 0, 1, "float32", 30);
    const w = tf.randomNormal([3, 3, 2, 5], 0, 1, "float32", 31);
    const b = tf.randomNormal([5], 0, 1, "float32", 32);
    const r = tf.randomNormal([2, 6, 4, 5], 0, 1, "float32", 33);
    const f = (ww: tf.Tensor, bb: tf.Tensor) => tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, ww as tf.Tensor4D, [1, 2], "same"), bb));
    const [dwRef, dbRef] = tf.grads((ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(ww, bb), r)))([w, b]);
    // Fresh outputs the kernels overwrite in place.
    const [y, dw, db] = [tf.add(r, 1), tf.add(w, 1), tf.add(b, 1)];
    const backend = tf.backend() as unknown as WasmBackend;
    const at = (tensor: tf.Tensor) => heapOffset(backend, tensor as never);
    const geometry = convGeometry(x.shape, w.shape, [1, 2], "same");
    native.convBiasActDirect(heapBuffer(backend), at(x), at(w), at(b), at(y), ...geometry, 5, true);
    assertClose(y, f(w, b), 1e-5, "forward");
    native.convFilterGradDirect(heapBuffer(backend), at(x), at(r), at(y), at(dw), at(db), ...geometry, 5, true);
    assertClose(dw, dwRef, 1e-5, "filter gradient");
    assertClose(db, dbRef, 1e-5, "bias gradient");
  });
});

test("the fused kernels refuse shapes that do not fit together (the native loops would read past them)", async () => {
  for (const backend of ["cpu", "wasm"] as const) {
    await onBackend(backend);
    tf.tidy(() => {
      assert.throws(() => denseBiasAct(tf.zeros([2, 3]), tf.zeros([4, 5]), tf.zeros([5]), "relu"),
        /ElegyDenseBiasAct: a \[2,3\], b \[4,5\] and bias \[5\] do not fit together\./);
      assert.throws(() => conv2dBiasAct(tf.zeros([1, 5, 5, 2]) as tf.Tensor4D, tf.zeros([3, 3, 3, 8]) as tf.Tensor4D, tf.zeros([8]), [1, 1], "valid", "relu"),
        /ElegyConv2DBiasAct: x \[1,5,5,2\], filter \[3,3,3,8\] and bias \[8\] do not fit together\./);
      assert.throws(() => conv2dBiasAct(tf.zeros([1, 5, 5, 2]) as tf.Tensor4D, tf.zeros([3, 3, 2, 8]) as tf.Tensor4D, tf.zeros([7]), [1, 1], "valid", "relu"),
        /bias \[7\] do not fit together/);
    });
  }
});

test("MaxPool argmax routes a tie to the first maximum in scan order, exactly as tf.maxPool's gradient", async () => {
  for (const backend of ["cpu", "wasm"] as const) {
    await onBackend(backend);
    tf.tidy(() => {
      // Window 1: all four equal (the top-left wins); window 2: equal negative maxima at its
      // bottom row (bottom-left wins); channel 2 ties elsewhere.
      const x = tf.tensor4d([
        1, 5, 1, 0, -3, -1, -4, -1,
        1, 5, 1, 5, -2, -1, -2, -1,
      ], [1, 2, 4, 2]);
      const grad = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(maxPoolWithArgmax(xx as tf.Tensor4D, [2, 2], [2, 2], "valid"), tf.tensor4d([10, 20, 30, 40], [1, 1, 2, 2]))))(x);
      assertClose(grad, [10, 20, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 30, 0, 0, 0], 0, `${backend}: dx`);
      const reference = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, [2, 2], [2, 2], "valid"), tf.tensor4d([10, 20, 30, 40], [1, 1, 2, 2]))))(x);
      assertClose(grad, reference, 0, `${backend}: tf.maxPool's gradient`);
    });
  }
});

test("a first layer's fused gradient never computes the gradient of its input images", async () => {
  for (const backend of ["cpu", "wasm"] as const) {
    await onBackend(backend);
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, "float32", 1);
    const w = tf.randomNormal([3, 3, 1, 4], 0, 1, "float32", 2);
    const b = tf.zeros([4]);
    const profile = await tf.profile(() => {
      const grads = tf.grads((ww: tf.Tensor, bb: tf.Tensor) => tf.sum(conv2dBiasAct(x as tf.Tensor4D, ww as tf.Tensor4D, bb, [1, 1], "valid", "relu")))([w, b]);
      tf.dispose(grads);
    });
    assert.ok(profile.kernelNames.includes("Conv2DBackpropFilter"), `${backend}: ${profile.kernelNames}`);
    assert.ok(!profile.kernelNames.includes("Conv2DBackpropInput"), `${backend}: the images' gradient ran: ${profile.kernelNames}`);
    // The dense layer likewise: one product for the kernel's gradient, none for the input's.
    const a = tf.randomNormal([3, 5], 0, 1, "float32", 3);
    const k = tf.randomNormal([5, 2], 0, 1, "float32", 4);
    const dense = await tf.profile(() => tf.dispose(tf.grads((kk: tf.Tensor) => tf.sum(denseBiasAct(a, kk, undefined, "relu")))([k])));
    assert.deepEqual(dense.kernels.filter((kernel) => kernel.name === "BatchMatMul").map((kernel) => kernel.inputShapes), [[[3, 5], [3, 2]]],
      `${backend}: ${dense.kernelNames}`);
    tf.dispose([x, w, b, a, k]);
  }
});

/** The kernels one forward pass of `layers` (a Sequential, initialised on x) runs. */
async function kernelsOf(layers: nn.Layer[], x: tf.Tensor): Promise<string[]> {
  const model = new nn.Sequential(layers);
  const { params, states } = tf.tidy(() => model.init(new RNG(0), x) as never) as { params: never; states: never };
  const profile = await tf.profile(() => {
    tf.dispose(tf.tidy(() => model.apply(params, states, x, { training: true, rng: new RNG(1) })[0] as tf.Tensor));
  });
  tf.dispose([params, states] as never);
  return profile.kernelNames;
}

test("Sequential fuses exactly a Conv2D or Linear (no activation of its own) followed by nn.relu itself", async () => {
  await onBackend("cpu");
  const images = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 5);
  const rows = tf.randomNormal([2, 6], 0, 1, "float32", 6);
  const before = tf.memory().numTensors;
  const fused = await kernelsOf([new nn.Conv2D(4, 3), nn.relu, new nn.MaxPool2D(2), new nn.Flatten(), new nn.Linear(5), nn.relu, new nn.Linear(2)], images);
  assert.ok(fused.includes("ElegyConv2DBiasAct") && fused.includes("ElegyDenseBiasAct"), fused.join());
  assert.ok(!fused.includes("Relu"), `nn.relu ran on its own: ${fused}`);
  // Its own activation nn.relu: fused too.
  assert.ok(!(await kernelsOf([new nn.Linear(5, { activation: nn.relu })], rows)).includes("Relu"));
  // Not exactly nn.relu after a fusable layer: the ReLU runs as its own kernel.
  const unfused: Array<[string, nn.Layer[], tf.Tensor]> = [
    // Named relu, but not nn.relu: only identity counts.
    ["a function named relu that calls tf.relu", [new nn.Linear(5), function relu(t: tf.Tensor) {
      return tf.relu(t);
    }], rows],
    ["nn.relu after a layer with its own activation", [new nn.Linear(5, { activation: nn.tanh }), nn.relu], rows],
    ["nn.relu after Dropout", [new nn.Linear(5), new nn.Dropout(0.5), nn.relu], rows],
    ["nn.relu first", [nn.relu, new nn.Linear(5)], rows],
    ["nn.relu after pooling", [new nn.Conv2D(4, 3), new nn.MaxPool2D(2), nn.relu], images],
  ];
  for (const [what, layers, x] of unfused) {
    const kernels = await kernelsOf(layers, x);
    assert.ok(kernels.includes("Relu"), `${what}: ${kernels}`);
  }
  assert.ok((await kernelsOf([new nn.Linear(5), nn.relu6], rows)).includes("Relu6"));
  assert.equal(tf.memory().numTensors, before, "no tensor left behind");
  tf.dispose([images, rows]);
});

/** The same CNN + MLP, with nn.relu (fused) or a ReLU Sequential cannot recognise (unfused). */
function cnn(fuse: boolean, backend: "cpu" | "wasm"): Model {
  const act = fuse ? nn.relu : function relu(t: tf.Tensor) {
    return tf.relu(t);
  };
  return new Model({
    module: new nn.Sequential([new nn.Conv2D(6, 3, { padding: "same" }), act, new nn.MaxPool2D(2), new nn.Conv2D(5, 3, { strides: 2 }), act,
      new nn.Flatten(), new nn.Linear(16), act, new nn.Linear(3)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    optimizer: optimizers.adam(0.01),
    seed: 3,
    backend,
  });
}

for (const backend of ["cpu", "wasm"] as const) {
  test(`a CNN written with nn.relu (fused) trains to the same params and losses as unfused, on ${backend}`, async () => {
    await onBackend(backend);
    const x = tf.randomNormal([24, 9, 9, 2], 0, 1, "float32", 7);
    const y = tf.tensor1d(Array.from({ length: 24 }, (_, i) => i % 3), "int32");
    const options = { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 as const };
    const fusedModel = cnn(true, backend);
    const plainModel = cnn(false, backend);
    const fusedHistory = await fusedModel.fit(x, y, options);
    const plainHistory = await plainModel.fit(x, y, options);
    assertClose(fusedHistory.history.loss, plainHistory.history.loss, 1e-4, "loss per epoch");
    const fusedParams = leafPaths(fusedModel.states.netParams as never);
    const plainParams = leafPaths(plainModel.states.netParams as never);
    assert.deepEqual(fusedParams.map(([p]) => p), plainParams.map(([p]) => p), "the same params tree");
    fusedParams.forEach(([name], i) => assertClose(fusedParams[i][1], plainParams[i][1], 1e-3, name));
    assert.ok(fusedHistory.history.loss[2] < fusedHistory.history.loss[0], `it learns: ${fusedHistory.history.loss}`);
    // Another epoch of the fused model leaves no tensor behind (its states are replaced, not grown).
    const before = tf.memory().numTensors;
    await fusedModel.fit(x, y, { ...options, epochs: 1 });
    assert.equal(tf.memory().numTensors, before, "tensors after one more fused epoch");
    tf.dispose([x, y]);
  });
}
