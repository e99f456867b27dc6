// The fused [Conv2D, ReLU, MaxPool2D] block (ElegyConv2DBiasReluMaxPool) against the unfused
// kernels it replaces (the direct conv + bias + ReLU, then argmax max pooling), forward and every
// gradient, through the engine and through the addon directly. conv-relu-pool.test.ts runs these
// here and in child processes (this file prints JSON) with other ISAs and one thread.
import { ensureBackend, tf } from "elegy-ts";
import { conv2dBiasAct } from "../../src/backend/kernels/bias-act";
import { conv2dBiasReluMaxPool, convReluPoolApplies } from "../../src/backend/kernels/conv-relu-pool";
import { maxPoolWithArgmax } from "../../src/backend/kernels/max-pool-argmax";
import { nativeKernels, nativeStatus } from "../../src/backend/native/addon";

export interface BlockCase {
  name: string;
  x: () => tf.Tensor4D;
  filter: () => tf.Tensor4D;
  bias?: () => tf.Tensor;
  strides: [number, number];
  pad: "valid" | "same";
  pool: [number, number];
  poolStrides: [number, number];
}

const normal = (shape: number[], seed: number, scale = 1) => tf.mul(tf.randomNormal(shape, 0, 1, "float32", seed), scale);
/** Small integers: many equal values, so windows hold ties and the conv many exact zeros. */
const integers = (shape: number[], seed: number, low: number, high: number) => tf.floor(tf.randomUniform(shape, low, high, "float32", seed));

export const BLOCK_CASES: BlockCase[] = [
  { name: "the bench's first layer, batch 64 (split over two threads)", x: () => normal([64, 28, 28, 1], 1) as tf.Tensor4D,
    filter: () => normal([3, 3, 1, 32], 2, 0.5) as tf.Tensor4D, bias: () => normal([32], 3, 0.1), strides: [1, 1], pad: "valid", pool: [2, 2], poolStrides: [2, 2] },
  { name: "27×27, batch 1 (the pooled floor drops the conv's last row and column)", x: () => normal([1, 27, 27, 1], 4) as tf.Tensor4D,
    filter: () => normal([3, 3, 1, 16], 5) as tf.Tensor4D, bias: () => normal([16], 6), strides: [1, 1], pad: "valid", pool: [2, 2], poolStrides: [2, 2] },
  { name: "3 in-channels, 'same' conv, integers (ties, zeros, negatives)", x: () => integers([3, 12, 13, 3], 7, -2, 3) as tf.Tensor4D,
    filter: () => integers([3, 3, 3, 16], 8, -1, 2) as tf.Tensor4D, bias: () => integers([16], 9, -2, 1), strides: [1, 1], pad: "same", pool: [2, 2], poolStrides: [2, 2] },
  { name: "3×3 windows every 3, 64 out-channels, most activations negative", x: () => normal([2, 14, 14, 2], 10) as tf.Tensor4D,
    filter: () => normal([3, 3, 2, 64], 11) as tf.Tensor4D, bias: () => tf.sub(normal([64], 12, 0.5), 1.5), strides: [1, 1], pad: "valid", pool: [3, 3], poolStrides: [3, 3] },
  { name: "2×2 windows every 3 (gaps between them), conv stride 2 'same', 5 images", x: () => normal([5, 20, 19, 1], 13) as tf.Tensor4D,
    filter: () => normal([3, 3, 1, 8], 14) as tf.Tensor4D, bias: () => normal([8], 15), strides: [2, 2], pad: "same", pool: [2, 2], poolStrides: [3, 3] },
  { name: "no bias, 5×5 filter, 2×1 windows", x: () => normal([2, 11, 10, 1], 16) as tf.Tensor4D,
    filter: () => normal([5, 5, 1, 24], 17) as tf.Tensor4D, strides: [1, 1], pad: "valid", pool: [2, 1], poolStrides: [2, 1] },
];

/** The fused block's [y, dx, dw, (dbias)] and the unfused kernels' of Σ block(x)·r, as arrays. */
export function blockCase(c: BlockCase): { applies: boolean; fused: number[][]; plain: number[][] } {
  return tf.tidy(() => {
    const [x, filter] = [c.x(), c.filter()];
    const inputs = c.bias ? [x, filter, c.bias()] : [x, filter];
    const fused = (...t: tf.Tensor[]) => conv2dBiasReluMaxPool(t[0] as tf.Tensor4D, t[1] as tf.Tensor4D, t[2], c.strides, c.pad, c.pool, c.poolStrides);
    const plain = (...t: tf.Tensor[]) => maxPoolWithArgmax(conv2dBiasAct(t[0] as tf.Tensor4D, t[1] as tf.Tensor4D, t[2], c.strides, c.pad, "relu"), c.pool, c.poolStrides, "valid");
    const applies = convReluPoolApplies(x, filter, c.strides, c.pad, c.pool, c.poolStrides, "valid");
    const r = normal(plain(...inputs).shape, 99);
    const run = (f: (...t: tf.Tensor[]) => tf.Tensor) => [f(...inputs), ...tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), r)))(inputs)].map((t) => Array.from(t.dataSync()));
    return { applies, fused: applies ? run(fused) : [], plain: run(plain) };
  });
}

/** A deterministic pseudo-random float in [-1, 1) per index (no tensors: these fill a plain heap). */
const filler = (seed: number) => (i: number) => Math.sin((i + 1) * 12.9898 + seed * 78.233) * 0.999;

export interface AddonResult {
  name: string;
  /** Pooled values and the dense masked gradient: equal to the unfused kernels' bit for bit. */
  exact: boolean;
  /** Worst |a − b| / (1 + |b|) of dw and dbias against the unfused filter gradient. */
  weightError: number;
}

/**
 * The addon's three entries against its unfused kernels on a plain heap, for out-channel counts the
 * vector ISAs serve (8·k ≤ 64) and one they do not (5: the portable loops).
 */
export function addonCases(): AddonResult[] {
  const native = nativeKernels();
  if (!native) return [];
  const shapes = [
    { name: "1 in-channel → 5 (portable loops), 2×2 every 2", b: 3, h: 11, w: 9, c: 1, k: 3, cout: 5, pool: [2, 2, 2, 2], pad: 0 },
    { name: "2 in-channels → 16, 'same' conv, 2×3 every 2×3", b: 2, h: 9, w: 13, c: 2, k: 3, cout: 16, pool: [2, 3, 2, 3], pad: 1 },
    { name: "1 in-channel → 32, batch 64 (two halves)", b: 64, h: 28, w: 28, c: 1, k: 3, cout: 32, pool: [2, 2, 2, 2], pad: 0 },
    { name: "3 in-channels → 64, 3×3 every 4", b: 2, h: 17, w: 15, c: 3, k: 3, cout: 64, pool: [3, 3, 4, 4], pad: 0 },
    { name: "1 in-channel → 24, 2×2 every 2", b: 4, h: 10, w: 12, c: 1, k: 2, cout: 24, pool: [2, 2, 2, 2], pad: 0 },
    // 1-channel images with 16 or 32 out-channels: AVX-512's register-patch filter gradient (the padding's zeros at the edges).
    { name: "1 in-channel → 16, 'same' conv, 2×2 every 2", b: 3, h: 9, w: 10, c: 1, k: 3, cout: 16, pool: [2, 2, 2, 2], pad: 1 },
    { name: "1 in-channel → 32, 2×2 filter, 2×2 every 3", b: 2, h: 13, w: 11, c: 1, k: 2, cout: 32, pool: [2, 2, 3, 3], pad: 0 },
  ];
  return shapes.map((s) => {
    const outH = s.h + 2 * s.pad - s.k + 1, outW = s.w + 2 * s.pad - s.k + 1;
    const [ph, pw, sh, sw] = s.pool;
    const pooledH = Math.floor((outH - ph) / sh) + 1, pooledW = Math.floor((outW - pw) / sw) + 1;
    const n = { x: s.b * s.h * s.w * s.c, f: s.k * s.k * s.c * s.cout, full: s.b * outH * outW * s.cout, pooled: s.b * pooledH * pooledW * s.cout };
    const layout: Array<[string, number]> = [["x", n.x], ["f", n.f], ["bias", s.cout], ["dyp", n.pooled], ["y", n.full], ["yp", n.pooled], ["argmax", n.pooled],
      ["dy", n.full], ["dw", n.f], ["db", s.cout], ["yp2", n.pooled], ["win", Math.ceil(n.pooled / 4)], ["dw2", n.f], ["db2", s.cout], ["g2", n.full]];
    const at: Record<string, number> = {};
    let bytes = 0;
    for (const [name, count] of layout) {
      at[name] = bytes;
      bytes += count * 4;
    }
    const heap = new ArrayBuffer(bytes);
    const f32 = new Float32Array(heap);
    for (const [name, seed] of [["x", 1], ["f", 2], ["bias", 3], ["dyp", 4]] as const) {
      const fill = filler(seed);
      const count = name === "x" ? n.x : name === "f" ? n.f : name === "bias" ? s.cout : n.pooled;
      for (let i = 0; i < count; i++) f32[at[name] / 4 + i] = fill(i);
    }
    const geometry = [s.b, s.h, s.w, s.c, s.k, s.k, outH, outW, 1, 1, s.pad, s.pad, 1, 1];
    const windows = [pooledH, pooledW, ph, pw, sh, sw];
    // Unfused: the conv's full output, argmax pooling, the scatter back, the filter gradient with the ReLU mask.
    native.convBiasActDirect(heap, at.x, at.f, at.bias, at.y, ...geometry, s.cout, true);
    native.maxPoolArgmax(heap, at.y, at.yp, at.argmax, s.b, outH, outW, s.cout, pooledH, pooledW, ph, pw, sh, sw, 0, 0);
    native.maxPoolScatter(heap, at.dyp, at.argmax, at.dy, n.pooled, n.full);
    native.convFilterGradDirect(heap, at.x, at.dy, at.y, at.dw, at.db, ...geometry, s.cout, true);
    // Fused.
    native.convBiasReluPool(heap, at.x, at.f, at.bias, at.yp2, at.win, ...geometry, s.cout, ...windows);
    native.convBiasReluPoolFilterGrad(heap, at.x, at.dyp, at.yp2, at.win, at.dw2, at.db2, ...geometry, s.cout, ...windows);
    native.reluPoolUnpool(heap, at.dyp, at.yp2, at.win, at.g2, ...geometry, s.cout, ...windows);
    const view = (name: string, count: number) => f32.subarray(at[name] / 4, at[name] / 4 + count);
    const same = (a: Float32Array, b: Float32Array) => a.every((v, i) => Object.is(v, b[i]) || v === b[i]);
    const [y, dy] = [view("y", n.full), view("dy", n.full)];
    const masked = dy.map((v, i) => (y[i] > 0 ? v : 0));
    let weightError = 0;
    for (const [ours, theirs, count] of [["dw2", "dw", n.f], ["db2", "db", s.cout]] as const) {
      const [a, b] = [view(ours, count), view(theirs, count)];
      a.forEach((v, i) => (weightError = Math.max(weightError, Math.abs(v - b[i]) / (1 + Math.abs(b[i])))));
    }
    return { name: s.name, exact: same(view("yp2", n.pooled), view("yp", n.pooled)) && same(view("g2", n.full), masked), weightError };
  });
}

export async function allCases(): Promise<{ isa: string; threads: number; blocks: Array<{ name: string; applies: boolean; fused: number[][] }>; addon: AddonResult[] }> {
  await ensureBackend("wasm", { log: () => undefined });
  const blocks = BLOCK_CASES.map((c) => {
    const { applies, fused } = blockCase(c);
    return { name: c.name, applies, fused };
  });
  return { isa: nativeStatus().isa, threads: nativeKernels()?.threads() ?? 0, blocks, addon: addonCases() };
}

if (require.main === module) {
  allCases().then((out) => process.stdout.write(JSON.stringify(out) + "\n"));
}
