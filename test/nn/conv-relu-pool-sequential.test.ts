// Sequential's [Conv2D, nn.relu, MaxPool2D] (or a Conv2D with its own ReLU, then MaxPool2D) as one
// native kernel: used exactly where it applies (a spy on the kernels, so the bench keeps measuring
// it), the unfused layers' training in replayed and eager steps, and the input gradient when the
// block is not first.
import test from "node:test";
import assert from "node:assert/strict";
import { Model, ensureBackend, losses, optimizers } from "../../src";
import { tf } from "../../src/tf";
import * as nn from "../../src/nn";
import { RNG } from "../../src/states";
import { leafPaths } from "../../src/tree";
import { CONV2D_RELU_POOL, CONV2D_RELU_POOL_FILTER_GRAD, RELU_POOL_UNPOOL } from "../../src/backend/kernels/conv-relu-pool";
import { nativeStatus } from "../../src/backend/native/addon";
import { assertClose } from "../losses/support";

function skipWithoutSimd(t: { skip(message: string): void }): boolean {
  if (nativeStatus().loaded && nativeStatus().isa !== "portable") return false;
  t.skip(`needs the native addon with a vector ISA (here: ${nativeStatus().loaded ? nativeStatus().isa : nativeStatus().detail})`);
  return true;
}

/** Counts calls of the wasm kernels (the step replay calls the function it recorded: this wrapper). */
function spyOnKernels(names: string[]): { counts: Record<string, number>; restore(): void } {
  const counts: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const originals = names.map((name) => tf.getKernel(name, "wasm")!);
  for (const original of originals) {
    tf.unregisterKernel(original.kernelName, "wasm");
    tf.registerKernel({ ...original, kernelFunc: (args) => {
      counts[original.kernelName]++;
      return original.kernelFunc(args);
    } });
  }
  return {
    counts,
    restore: () => originals.forEach((original) => {
      tf.unregisterKernel(original.kernelName, "wasm");
      tf.registerKernel(original);
    }),
  };
}

/** A MaxPool2D that Sequential does not recognise as one (a subclass): the layers then run one by one. */
class UnfusedMaxPool2D extends nn.MaxPool2D {}

function benchLikeCnn(fuse: boolean, runEagerly: boolean): Model {
  const pool = () => (fuse ? new nn.MaxPool2D(2) : new UnfusedMaxPool2D(2));
  return new Model({
    module: new nn.Sequential([new nn.Conv2D(32, 3), nn.relu, pool(), new nn.Conv2D(16, 3), nn.relu, pool(), new nn.Flatten(), new nn.Linear(3)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    optimizer: optimizers.adam(0.01),
    seed: 5,
    runEagerly,
    backend: "wasm",
  });
}

for (const runEagerly of [false, true]) {
  test(`a CNN fit uses the fused first block every step (runEagerly ${runEagerly}) and trains as the unfused layers do, without growing tensors`, async (t) => {
    if (skipWithoutSimd(t)) return;
    await ensureBackend("wasm", { log: () => undefined });
    const x = tf.randomNormal([48, 16, 16, 1], 0, 1, "float32", 21);
    const y = tf.tensor1d(Array.from({ length: 48 }, (_, i) => i % 3), "int32");
    const options = { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 as const };
    const spy = spyOnKernels([CONV2D_RELU_POOL, CONV2D_RELU_POOL_FILTER_GRAD, RELU_POOL_UNPOOL]);
    try {
      const fused = benchLikeCnn(true, runEagerly);
      const fusedHistory = await fused.fit(x, y, options);
      // 6 steps: a fused filter gradient each (the second conv's patch of 288 takes the GEMM path, unfused);
      // the images' own gradient is never asked for.
      assert.equal(spy.counts[CONV2D_RELU_POOL_FILTER_GRAD], 6);
      assert.equal(spy.counts[RELU_POOL_UNPOOL], 0);
      const [forwards, before] = [spy.counts[CONV2D_RELU_POOL], tf.memory().numTensors];
      await fused.fit(x, y, { ...options, epochs: 1 });
      assert.equal(tf.memory().numTensors, before, "tensors after one more fused epoch");
      assert.deepEqual([spy.counts[CONV2D_RELU_POOL] - forwards, spy.counts[CONV2D_RELU_POOL_FILTER_GRAD]], [3, 9], "one fused forward and gradient per step");

      const plain = benchLikeCnn(false, runEagerly);
      const plainHistory = await plain.fit(x, y, options);
      assert.equal(spy.counts[CONV2D_RELU_POOL], forwards + 3, "the unfused model never runs the fused kernel");
      assertClose(fusedHistory.history.loss, plainHistory.history.loss, 1e-4, "loss per epoch");
      assert.ok(fusedHistory.history.loss[1] < fusedHistory.history.loss[0], `it learns: ${fusedHistory.history.loss}`);
      await plain.fit(x, y, { ...options, epochs: 1 });
      await fused.predict(x).then((p) => (p as tf.Tensor).dispose());
      const [a, b] = [leafPaths(fused.states.netParams as never), leafPaths(plain.states.netParams as never)];
      a.forEach(([name, value], i) => assertClose(value, b[i][1], 1e-3, name));
    } finally {
      spy.restore();
      tf.dispose([x, y]);
    }
  });
}

/** Params and their gradients of Σ net(x)·r, and the gradient wrt x, for a Sequential. */
function gradsOf(layers: nn.Layer[], x: tf.Tensor): { out: tf.Tensor; grads: tf.Tensor[] } {
  const net = new nn.Sequential(layers);
  const { params } = net.init(new RNG(3), x);
  const leaves = leafPaths(params as never).map(([, v]) => v as tf.Tensor);
  const apply = (input: tf.Tensor) => net.apply(params, {}, input, { training: true, rng: new RNG(4) })[0] as tf.Tensor;
  const out = apply(x);
  const r = tf.randomNormal(out.shape, 0, 1, "float32", 8);
  const grads = tf.grads((input: tf.Tensor, ...ws: tf.Tensor[]) => {
    void ws;
    return tf.sum(tf.mul(apply(input), r));
  })([x, ...leaves]);
  return { out, grads };
}

test("a fused block after another layer computes its input gradient (natively unpooled) as the unfused layers do", async (t) => {
  if (skipWithoutSimd(t)) return;
  await ensureBackend("wasm", { log: () => undefined });
  const spy = spyOnKernels([CONV2D_RELU_POOL, RELU_POOL_UNPOOL]);
  try {
    tf.tidy(() => {
      const x = tf.randomNormal([3, 15, 15, 1], 0, 1, "float32", 9);
      // A 1×1 conv to 8 channels first, then a 2×2 conv (patch 32: the direct convolution) with its own ReLU, and the pool.
      const build = (pool: nn.MaxPool2D) => [new nn.Conv2D(8, 1), new nn.Conv2D(16, 2, { activation: nn.relu }), pool, new nn.Flatten()];
      const fused = gradsOf(build(new nn.MaxPool2D(2)), x);
      assert.deepEqual(spy.counts, { [CONV2D_RELU_POOL]: 2, [RELU_POOL_UNPOOL]: 1 });
      const plain = gradsOf(build(new UnfusedMaxPool2D(2)), x);
      assert.deepEqual(Array.from(fused.out.dataSync()), Array.from(plain.out.dataSync()), "outputs bit for bit");
      fused.grads.forEach((g, i) => assertClose(g, plain.grads[i], 1e-5, `gradient ${i}`));
    });
  } finally {
    spy.restore();
  }
});

test("where the fused kernel does not apply, Sequential runs the layers one by one (overlapping or 'same' pooling, long patches, cpu)", async (t) => {
  if (skipWithoutSimd(t)) return;
  await ensureBackend("wasm", { log: () => undefined });
  const x = tf.randomNormal([2, 12, 12, 1], 0, 1, "float32", 10);
  const wide = tf.randomNormal([2, 12, 12, 8], 0, 1, "float32", 11);
  const spy = spyOnKernels([CONV2D_RELU_POOL]);
  try {
    const cases: Array<[string, nn.Layer[], tf.Tensor]> = [
      ["overlapping windows (3 every 2)", [new nn.Conv2D(8, 3), nn.relu, new nn.MaxPool2D(3, { strides: 2 })], x],
      ["'same' pooling", [new nn.Conv2D(8, 3), nn.relu, new nn.MaxPool2D(2, { padding: "same" })], x],
      ["a patch of 72 (the GEMM convolution)", [new nn.Conv2D(8, 3), nn.relu, new nn.MaxPool2D(2)], wide],
      ["12 out-channels (not whole registers)", [new nn.Conv2D(12, 3), nn.relu, new nn.MaxPool2D(2)], x],
      ["average pooling", [new nn.Conv2D(8, 3), nn.relu, new nn.AvgPool2D(2)], x],
      ["a tanh between", [new nn.Conv2D(8, 3), nn.tanh, new nn.MaxPool2D(2)], x],
    ];
    for (const [what, layers, input] of cases) {
      tf.tidy(() => gradsOf(layers, input));
      assert.equal(spy.counts[CONV2D_RELU_POOL], 0, what);
    }
    // tfjs has no gradient for dilated convolutions: the forward pass only.
    const dilated = new nn.Sequential([new nn.Conv2D(8, 3, { dilationRate: 2 }), nn.relu, new nn.MaxPool2D(2)]);
    tf.tidy(() => dilated.apply(dilated.init(new RNG(1), x).params, {}, x, { training: true, rng: new RNG(2) })[0] as tf.Tensor);
    assert.equal(spy.counts[CONV2D_RELU_POOL], 0, "a dilated conv");
    tf.tidy(() => gradsOf([new nn.Conv2D(8, 3), nn.relu, new nn.MaxPool2D(2)], x));
    assert.equal(spy.counts[CONV2D_RELU_POOL], 2, "the same block with 2×2 windows every 2 is fused (the forward, and again under tf.grads)");
  } finally {
    spy.restore();
  }
  await tf.setBackend("cpu");
  const cpuNames = (await tf.profile(() => tf.tidy(() => gradsOf([new nn.Conv2D(8, 3), nn.relu, new nn.MaxPool2D(2)], x).out))).kernelNames;
  assert.ok(!cpuNames.includes(CONV2D_RELU_POOL) && cpuNames.includes("ElegyMaxPoolWithArgmax"), cpuNames.join());
  tf.dispose([x, wide]);
  await ensureBackend("wasm", { log: () => undefined });
});

