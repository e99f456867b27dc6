// The fused ops (conv/dense + bias + ReLU, argmax max pooling) against the tf ops they replace,
// forward and every gradient, on whatever backend is active. fused-ops.test.ts runs these on
// cpu, on wasm, and (in a child process running this file) on wasm with ELEGY_NATIVE=0.
import { ensureBackend, tf } from "elegy-ts";
import { conv2dBiasAct, denseBiasAct, hasBiasActKernels } from "../../src/backend/kernels/bias-act";
import { hasMaxPoolArgmax, maxPoolWithArgmax } from "../../src/backend/kernels/max-pool-argmax";
import { nativeStatus } from "../../src/backend/native/addon";

const normal = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, "float32", seed);

/** Max |a − b| / (1 + |b|) over the elements, or a description of a shape mismatch. */
function relError(a: tf.Tensor, b: tf.Tensor): number | string {
  if (a.shape.join() !== b.shape.join()) return `shape [${a.shape}] vs [${b.shape}]`;
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
  return worst;
}

/** Forward value and gradients of Σ f(...)·r (r random, so dy is not uniform) wrt every input. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed: number): tf.Tensor[] {
  const y = f(...inputs);
  const r = normal(y.shape, seed);
  return [y, ...tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r)))(inputs)];
}

export interface CaseResult {
  name: string;
  /** Worst relative error over the value and every gradient (or a mismatch). */
  error: number | string;
}

type ConvCase = { pad: "valid" | "same"; strides: [number, number]; shape: number[]; k: number; filters: number; bias: boolean; relu: boolean };

const CONVS: ConvCase[] = [
  // Patch 27 (< 64): the backend's FusedConv2D; patch ≥ 64: the native GEMM + bias/ReLU pass.
  { pad: "valid", strides: [1, 1], shape: [2, 9, 9, 3], k: 3, filters: 5, bias: true, relu: true },
  { pad: "same", strides: [2, 2], shape: [1, 10, 9, 16], k: 3, filters: 7, bias: true, relu: true },
  { pad: "same", strides: [1, 1], shape: [3, 7, 8, 8], k: 3, filters: 4, bias: true, relu: false },
  { pad: "valid", strides: [2, 1], shape: [2, 11, 10, 8], k: 3, filters: 6, bias: false, relu: true },
  { pad: "same", strides: [1, 1], shape: [1, 5, 7, 70], k: 1, filters: 3, bias: true, relu: true },
  // Short patches with 8·V out-channels: the native direct convolution and its fused filter gradient.
  { pad: "valid", strides: [1, 1], shape: [1, 28, 28, 1], k: 3, filters: 32, bias: true, relu: true },
  { pad: "same", strides: [2, 2], shape: [2, 9, 8, 2], k: 3, filters: 16, bias: true, relu: true },
  { pad: "valid", strides: [1, 1], shape: [1, 7, 9, 3], k: 3, filters: 8, bias: false, relu: true },
  { pad: "same", strides: [1, 1], shape: [3, 6, 7, 1], k: 5, filters: 24, bias: true, relu: false },
  { pad: "valid", strides: [2, 1], shape: [2, 10, 11, 2], k: 3, filters: 64, bias: true, relu: true },
];

type DenseCase = { m: number; k: number; n: number; bias: boolean; relu: boolean };

const DENSES: DenseCase[] = [
  { m: 5, k: 33, n: 7, bias: true, relu: true },
  { m: 1, k: 300, n: 20, bias: true, relu: true },
  { m: 9, k: 8, n: 3, bias: false, relu: true },
  { m: 4, k: 70, n: 19, bias: true, relu: false },
];

type PoolCase = { name: string; x: () => tf.Tensor4D; size: [number, number]; strides: [number, number]; pad: "valid" | "same" };

const POOLS: PoolCase[] = [
  { name: "2×2 valid, odd width", x: () => normal([2, 6, 5, 3], 20) as tf.Tensor4D, size: [2, 2], strides: [2, 2], pad: "valid" },
  { name: "3×2 stride 2×3 same", x: () => normal([1, 9, 10, 8], 21) as tf.Tensor4D, size: [3, 2], strides: [2, 3], pad: "same" },
  { name: "overlapping 3×3 stride 1 same", x: () => normal([2, 5, 5, 2], 22) as tf.Tensor4D, size: [3, 3], strides: [1, 1], pad: "same" },
  // Small integers: most windows hold several equal maxima (the first one must win, as in tfjs).
  { name: "ties", x: () => tf.floor(tf.randomUniform([2, 8, 8, 4], -2, 2, "float32", 23)) as tf.Tensor4D, size: [2, 2], strides: [2, 2], pad: "valid" },
  { name: "ties, overlapping", x: () => tf.floor(tf.randomUniform([1, 7, 6, 3], 0, 2, "float32", 24)) as tf.Tensor4D, size: [3, 3], strides: [2, 1], pad: "same" },
  // Every maximum negative, several channels (wasm's own MaxPoolGrad got this wrong).
  { name: "negative maxima", x: () => tf.sub(tf.neg(tf.abs(normal([2, 6, 6, 5], 25))), 1) as tf.Tensor4D, size: [2, 2], strides: [2, 2], pad: "valid" },
  { name: "batch 1, one channel", x: () => normal([1, 5, 7, 1], 26) as tf.Tensor4D, size: [2, 3], strides: [2, 2], pad: "same" },
];

/** Every fused op against its composed tf ops on the active backend. */
export function fusedCases(): CaseResult[] {
  if (!hasBiasActKernels() || !hasMaxPoolArgmax()) throw new Error(`the fused kernels are not registered for ${tf.getBackend()}`);
  const results: CaseResult[] = [];
  const compare = (name: string, ours: tf.Tensor[], theirs: tf.Tensor[]) => {
    let error: number | string = 0;
    ours.forEach((t, i) => {
      const e = relError(t, theirs[i]);
      error = typeof e === "string" ? `#${i}: ${e}` : typeof error === "string" ? error : Math.max(error, e);
    });
    results.push({ name, error });
  };
  tf.tidy(() => {
    CONVS.forEach((c, i) => {
      const x = normal(c.shape, 100 + i);
      const w = tf.mul(normal([c.k, c.k, c.shape[3], c.filters], 200 + i), 0.3);
      const b = normal([c.filters], 300 + i);
      const inputs = c.bias ? [x, w, b] : [x, w];
      const fused = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) =>
        conv2dBiasAct(xx as tf.Tensor4D, ww as tf.Tensor4D, bb, c.strides, c.pad, c.relu ? "relu" : "linear");
      const composed = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) => {
        let y: tf.Tensor = tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.strides, c.pad);
        if (bb) y = tf.add(y, bb);
        return c.relu ? tf.relu(y) : y;
      };
      compare(`conv2d ${c.pad} s${c.strides} [${c.shape}] k${c.k}×${c.filters} bias ${c.bias} relu ${c.relu}`,
        valueAndGrads(fused, inputs, 400 + i), valueAndGrads(composed, inputs, 400 + i));
    });
    DENSES.forEach((d, i) => {
      const a = normal([d.m, d.k], 500 + i);
      const w = tf.mul(normal([d.k, d.n], 600 + i), 0.2);
      const b = normal([d.n], 700 + i);
      const inputs = d.bias ? [a, w, b] : [a, w];
      const fused = (aa: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) => denseBiasAct(aa, ww, bb, d.relu ? "relu" : "linear");
      const composed = (aa: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) => {
        let y = tf.matMul(aa, ww);
        if (bb) y = tf.add(y, bb);
        return d.relu ? tf.relu(y) : y;
      };
      compare(`dense ${d.m}×${d.k}·${d.n} bias ${d.bias} relu ${d.relu}`, valueAndGrads(fused, inputs, 800 + i), valueAndGrads(composed, inputs, 800 + i));
    });
    POOLS.forEach((p, i) => {
      const x = p.x();
      compare(`maxPool ${p.name}`,
        valueAndGrads((xx) => maxPoolWithArgmax(xx as tf.Tensor4D, p.size, p.strides, p.pad), [x], 900 + i),
        valueAndGrads((xx) => tf.maxPool(xx as tf.Tensor4D, p.size, p.strides, p.pad), [x], 900 + i));
    });
  });
  return results;
}

if (require.main === module) {
  ensureBackend("wasm", { log: () => undefined }).then(() => {
    process.stdout.write(JSON.stringify({ native: nativeStatus().loaded, results: fusedCases() }) + "\n");
  });
}
