// The optional native kernel addon (native/*.cc, built by node-gyp when elegy-ts
// is installed). It computes on the wasm heap in place, with AVX2/FMA where the CPU has
// them, and splits large GEMMs and Adam updates over two threads where there are two cores.
// Loaded once, in try/catch: without a compiler, or with ELEGY_NATIVE=0, everything runs on
// wasm's own kernels and ours in JS, as before.
import * as fs from "node:fs";
import * as path from "node:path";

/** The addon's functions (offsets are byte offsets into `heap`, the wasm memory). */
export interface NativeKernels {
  gemm(heap: ArrayBuffer, a: number, b: number, c: number, batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number): void;
  adam(heap: ArrayBuffer, p: number, g: number, m: number, v: number, outP: number, outM: number, outV: number, size: number,
    lr: number, t: number, beta1: number, beta2: number, epsilon: number, weightDecay: number): void;
  sumRows(heap: ArrayBuffer, x: number, out: number, rows: number, columns: number): void;
  maxPoolGrad(heap: ArrayBuffer, x: number, dy: number, dx: number, ...geometry: number[]): void;
  allFinite(values: Float32Array): boolean;
  addBias(heap: ArrayBuffer, x: number, bias: number, out: number, rows: number, columns: number): void;
  /** out = x + bias, then ReLU when `relu` (bias −1: none; out may be x). */
  biasRelu(heap: ArrayBuffer, x: number, bias: number, out: number, rows: number, columns: number, relu: boolean): void;
  /** g = y > 0 ? dy : 0 and dbias = Σ_rows g (dbias −1: not wanted). */
  reluBiasGrad(heap: ArrayBuffer, dy: number, y: number, g: number, dbias: number, rows: number, columns: number): void;
  /** Max pooling with each window's first maximum as a flat int32 index into x. */
  maxPoolArgmax(heap: ArrayBuffer, x: number, y: number, argmax: number, ...geometry: number[]): void;
  /** act(conv2d(x, filter) + bias) computed directly, for short patches (bias −1: none). */
  convBiasActDirect(heap: ArrayBuffer, x: number, filter: number, bias: number, out: number, ...geometryOutChannelsRelu: Array<number | boolean>): void;
  /** The filter (and bias, unless −1) gradient with the ReLU mask of y folded in, directly. */
  convFilterGradDirect(heap: ArrayBuffer, x: number, dy: number, y: number, dw: number, dbias: number, ...geometryOutChannelsRelu: Array<number | boolean>): void;
  /**
   * maxPool(relu(conv2d(x, filter) + bias)) for pooling windows that do not overlap, directly, and per pooled
   * value the byte of its window's winning position (winners: an int32 tensor of bytes); bias −1: none.
   * Geometry: the conv's 14, outChannels, then pooledH, pooledW, poolH, poolW, poolStrideH, poolStrideW.
   */
  convBiasReluPool(heap: ArrayBuffer, x: number, filter: number, bias: number, out: number, winners: number, ...geometryOutChannelsPool: number[]): void;
  /** That block's filter (and bias, unless −1) gradient from the pooled gradient dy, pooled output y and winners. */
  convBiasReluPoolFilterGrad(heap: ArrayBuffer, x: number, dy: number, y: number, winners: number, dw: number, dbias: number, ...geometryOutChannelsPool: number[]): void;
  /** The gradient at the conv's output: dy where y > 0 at each winner, 0 elsewhere. */
  reluPoolUnpool(heap: ArrayBuffer, dy: number, y: number, winners: number, grad: number, ...geometryOutChannelsPool: number[]): void;
  /** act(conv2d(x, filter) + bias) through the GEMM, a block of output pixels at a time (bias −1: none). */
  convBiasAct(heap: ArrayBuffer, x: number, filter: number, bias: number, out: number, ...geometryOutChannelsRelu: Array<number | boolean>): void;
  /** conv2d's input gradient: each block's dy · filterᵀ added back onto dx (dx overwritten). */
  convInputGrad(heap: ArrayBuffer, dy: number, filter: number, dx: number, ...geometryOutChannels: number[]): void;
  /** conv2d's filter gradient: Σ over output pixels of patch ⊗ dy, a block of pixels at a time. */
  convFilterGrad(heap: ArrayBuffer, x: number, dy: number, dw: number, ...geometryOutChannels: number[]): void;
  /** dx = 0, then dx[argmax[i]] += dy[i]. */
  maxPoolScatter(heap: ArrayBuffer, dy: number, argmax: number, dx: number, outSize: number, inSize: number): void;
  /** How many threads large GEMMs and Adam updates use: 1, or 2 (the calling thread and a helper). */
  threads(): number;
  /** Sets that count process-wide (1 or 2); returns the previous one. */
  setThreads(count: number): number;
  /** Chunks of kernels the helper thread has computed so far (for tests). */
  helperJobs(): number;
  /** Whether the AVX2/FMA (or AVX-512) paths run (else portable C++). */
  readonly simd: boolean;
  /** Which GEMM micro-kernel runs: "avx512", "avx2" or "portable". */
  readonly isa: string;
}

export interface NativeStatus {
  loaded: boolean;
  simd: boolean;
  /** "avx512", "avx2", "portable", or "" when not loaded. */
  isa: string;
  /** Threads the large GEMMs and Adam updates use at load time (ELEGY_NATIVE_THREADS; 0 when not loaded). */
  threads: number;
  /** Where it was loaded from, or why not. */
  detail: string;
}

/** The package root: the nearest folder above this file with binding.gyp (from dist/src/backend/native or src/backend/native). */
function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, "binding.gyp"))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(__dirname, "../../../..");
}

/** Where the addon is built (node-gyp's Release folder in the package root). */
export const ADDON_PATHS = [path.join(packageRoot(), "build/Release/elegy_kernels.node")];

/** Every function the library calls (an addon built from older sources lacks some). */
const REQUIRED = ["convBiasAct", "convInputGrad", "convFilterGrad", "sumRows", "maxPoolGrad", "allFinite", "addBias", "biasRelu", "reluBiasGrad", "maxPoolArgmax", "maxPoolScatter",
  "convBiasActDirect", "convFilterGradDirect", "convBiasReluPool", "convBiasReluPoolFilterGrad", "reluPoolUnpool", "threads", "setThreads", "helperJobs"] as const;

let loaded: { kernels: NativeKernels | undefined; status: NativeStatus } | undefined;

/** Tries the given paths in order (for tests; the library uses ADDON_PATHS). */
export function loadNativeKernels(paths: readonly string[] = ADDON_PATHS): { kernels: NativeKernels | undefined; status: NativeStatus } {
  if (process.env.ELEGY_NATIVE === "0") return { kernels: undefined, status: { loaded: false, simd: false, isa: "", threads: 0, detail: "disabled by ELEGY_NATIVE=0" } };
  const errors: string[] = [];
  for (const file of paths) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const kernels = require(file) as NativeKernels;
      if (typeof kernels.gemm !== "function" || typeof kernels.adam !== "function") throw new Error("not elegy-ts's kernel addon");
      const missing = REQUIRED.filter((name) => typeof kernels[name] !== "function");
      if (missing.length > 0) throw new Error(`an older build of the addon (no ${missing.join(", ")}): rebuild it`);
      return { kernels, status: { loaded: true, simd: kernels.simd, isa: kernels.isa, threads: kernels.threads(), detail: file } };
    } catch (error) {
      const err = error as { code?: string; message?: string };
      errors.push(err.code === "MODULE_NOT_FOUND" ? `${file}: not built` : `${file}: ${(err.message ?? String(error)).split("\n")[0]}`);
    }
  }
  return { kernels: undefined, status: { loaded: false, simd: false, isa: "", threads: 0, detail: `${errors.join("; ")} (build it with \`npm run build:native\`)` } };
}

/** The addon, loaded on first use; undefined when it is not available. */
export function nativeKernels(): NativeKernels | undefined {
  loaded ??= loadNativeKernels();
  return loaded.kernels;
}

/** Whether the native kernels are in use, and why (not). */
export function nativeStatus(): NativeStatus {
  loaded ??= loadNativeKernels();
  return loaded.status;
}
