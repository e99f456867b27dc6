// wasm kernels served by the native addon, on the wasm heap without copies: BatchMatMul as
// one GEMM (transposes folded into packing), the three convolutions as GEMMs over blocks of
// output pixels (each block's patches built in a buffer that stays in cache, never the whole
// batch's patch matrix).
// Each falls back to the kernel registered before it (wasm's, or our JS fix) for what it does
// not cover (other dtypes, NCHW, batch broadcasting beyond 1-vs-n).
import { tf } from "../../tf";
import { NativeKernels } from "./addon";
import { KernelFunc, TensorInfo, WasmBackend, heapBuffer as heap, heapOffset as offset } from "../wasm/kernel-types";

type Conv2DInfo = tf.backend_util.Conv2DInfo;

export function nativeBatchMatMul(native: NativeKernels): (fallback: KernelFunc) => KernelFunc {
  return (fallback) => (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) return fallback(args);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(outerA);
    const batchB = tf.util.sizeFromShape(outerB);
    if (k !== kb) return fallback(args); // wasm's kernel reports the mismatch
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
    const batch = tf.util.sizeFromShape(outer);
    if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return fallback(args);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput([...outer, m, n], "float32");
    native.gemm(heap(backend), offset(backend, a), offset(backend, b), offset(backend, out), batch, m, k, n, transposeA, transposeB,
      batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n);
    return out;
  };
}

function geometry(info: Conv2DInfo): number[] {
  return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth, info.outHeight, info.outWidth,
    info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left, info.dilationHeight, info.dilationWidth];
}

/** A 1×1, stride-1, unpadded convolution needs no im2col: x is already the patch matrix. */
function isPointwise(info: Conv2DInfo): boolean {
  return info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1 &&
    info.padInfo.top === 0 && info.padInfo.left === 0;
}

type ConvAttrs = {
  strides: [number, number] | number; pad: "valid" | "same" | number; dataFormat: "NHWC" | "NCHW";
  dilations?: [number, number] | number; dimRoundingMode?: "floor" | "round" | "ceil";
};

/** Measured: a 3×3×1 patch (9) runs faster on wasm's Conv2D, a 3×3×32 one (288) 1.7× faster natively. */
export const MIN_PATCH_FOR_GEMM = 64;

/**
 * out = act(conv2d(x, filter) + bias) natively (bias and ReLU optional): a pointwise filter is one
 * GEMM on x itself, any other the blocked convolution.
 */
export function nativeConvForward(native: NativeKernels, backend: WasmBackend, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined,
  info: Conv2DInfo, relu: boolean): TensorInfo {
  const out = backend.makeOutput(info.outShape, "float32");
  const heapNow = heap(backend);
  const rows = info.batchSize * info.outHeight * info.outWidth;
  if (isPointwise(info)) {
    native.gemm(heapNow, offset(backend, x), offset(backend, filter), offset(backend, out), 1, rows, info.inChannels, info.outChannels, false, false, 0, 0);
    if (bias || relu) native.biasRelu(heapNow, offset(backend, out), bias ? offset(backend, bias) : -1, offset(backend, out), rows, info.outChannels, relu);
  } else {
    native.convBiasAct(heapNow, offset(backend, x), offset(backend, filter), bias ? offset(backend, bias) : -1, offset(backend, out),
      ...geometry(info), info.outChannels, relu);
  }
  return out;
}

export function nativeConv2D(native: NativeKernels): (fallback: KernelFunc) => KernelFunc {
  return (fallback) => (args) => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as ConvAttrs;
    if (dataFormat === "NCHW" || x.dtype !== "float32" || filter.dtype !== "float32") return fallback(args);
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      strides, dilations ?? 1, pad, dimRoundingMode);
    // Patches this short (a first layer on 1-channel images) keep XNNPACK's direct conv ahead.
    if (info.filterHeight * info.filterWidth * info.inChannels < MIN_PATCH_FOR_GEMM) return fallback(args);
    return nativeConvForward(native, args.backend as unknown as WasmBackend, x, filter, undefined, info, false);
  };
}

/** FusedConv2D with a bias and no activation (what nn.Conv2D runs): the bias added to each block of the GEMM's output. */
export function nativeFusedConv2D(native: NativeKernels): (fallback: KernelFunc) => KernelFunc {
  return (fallback) => (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode, activation } = args.attrs as unknown as ConvAttrs & { activation?: string };
    if ((activation ?? "linear") !== "linear" || preluActivationWeights || dataFormat === "NCHW" || x.dtype !== "float32" || filter.dtype !== "float32") {
      return fallback(args);
    }
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      strides, dilations ?? 1, pad, dimRoundingMode);
    if (bias && (bias.shape.length !== 1 || bias.shape[0] !== info.outChannels || bias.dtype !== "float32")) return fallback(args);
    if (info.filterHeight * info.filterWidth * info.inChannels < MIN_PATCH_FOR_GEMM) return fallback(args);
    return nativeConvForward(native, args.backend as unknown as WasmBackend, x, filter, bias, info, false);
  };
}

/**
 * Add of a bias vector along the last axis ([..., c] + [c], either order): one pass. wasm's
 * broadcasting Add is several times slower than its plain one on a conv activation.
 */
export function nativeBiasAdd(native: NativeKernels): (fallback: KernelFunc) => KernelFunc {
  return (fallback) => (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const [full, bias] = a.shape.length >= b.shape.length ? [a, b] : [b, a];
    const columns = full.shape[full.shape.length - 1];
    if (full.dtype !== "float32" || bias.dtype !== "float32" || full.shape.length < 2 || bias.shape.length !== 1 || bias.shape[0] !== columns) {
      return fallback(args);
    }
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput([...full.shape], "float32");
    native.addBias(heap(backend), offset(backend, full), offset(backend, bias), offset(backend, out), tf.util.sizeFromShape(full.shape) / columns, columns);
    return out;
  };
}

export function nativeConv2DBackpropFilter(native: NativeKernels): (fallback: KernelFunc) => KernelFunc {
  return (fallback) => (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    if (dataFormat === "NCHW" || x.dtype !== "float32" || dy.dtype !== "float32") return fallback(args);
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput([...filterShape], "float32");
    if (isPointwise(info)) {
      // dW [in, out] = xᵀ · dy, with x as [batch·h·w, in] and dy as [batch·h·w, out].
      native.gemm(heap(backend), offset(backend, x), offset(backend, dy), offset(backend, out), 1,
        info.inChannels, info.batchSize * info.outHeight * info.outWidth, info.outChannels, true, false, 0, 0);
    } else {
      native.convFilterGrad(heap(backend), offset(backend, x), offset(backend, dy), offset(backend, out), ...geometry(info), info.outChannels);
    }
    return out;
  };
}

export function nativeConv2DBackpropInput(native: NativeKernels): (fallback: KernelFunc) => KernelFunc {
  return (fallback) => (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    if (dataFormat === "NCHW" || dy.dtype !== "float32" || filter.dtype !== "float32") return fallback(args);
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput([...inputShape], "float32");
    if (isPointwise(info)) {
      // dx [batch·h·w, in] = dy · Wᵀ.
      native.gemm(heap(backend), offset(backend, dy), offset(backend, filter), offset(backend, out), 1,
        info.batchSize * info.outHeight * info.outWidth, info.outChannels, info.inChannels, false, true, 0, 0);
    } else {
      native.convInputGrad(heap(backend), offset(backend, dy), offset(backend, filter), offset(backend, out), ...geometry(info), info.outChannels);
    }
    return out;
  };
}
