// A convolution or dense layer with its bias and ReLU as one kernel of ours
// (ElegyConv2DBiasAct, ElegyDenseBiasAct), for nn.Conv2D / nn.Linear and Sequential's
// [layer, nn.relu] fusion. Their gradients are registered per input, so the engine calls only
// the closures it needs: a first layer never computes the gradient of its images (tfjs's fused
// ops compute every input's gradient in one customGrad, which made them slower here).
// Forward: natively, the blocked GEMM convolution with bias+ReLU on each block; otherwise the backend's
// own FusedConv2D / _FusedMatMul (XNNPACK on wasm). Backward: the ReLU mask from the saved
// output fused with the bias gradient's sum (ElegyReluBiasGrad: one native pass), then the
// usual Conv2DBackpropInput/Filter or MatMuls on the masked gradient.
import { tf } from "../../tf";
import { nativeKernels } from "#platform/native"; // the addon in Node, none in a page
import { MIN_PATCH_FOR_GEMM, nativeConvForward } from "../native/wasm-kernels";
import { KernelFunc, TensorInfo, WasmBackend, heapBuffer, heapOffset } from "../wasm/kernel-types";

export const CONV2D_BIAS_ACT = "ElegyConv2DBiasAct";
export const DENSE_BIAS_ACT = "ElegyDenseBiasAct";
export const RELU_BIAS_GRAD = "ElegyReluBiasGrad";
/** The filter and bias gradients of a short-patch fused conv, with the ReLU mask folded in (native). */
export const CONV2D_BIAS_ACT_FILTER_GRAD = "ElegyConv2DBiasActFilterGrad";

/** The activations fused into the kernel ("linear": none). */
export type FusedActivation = "linear" | "relu";

interface BiasActAttrs {
  activation: FusedActivation;
  /** Whether a bias input is given (the gradient function does not see the inputs). */
  withBias: boolean;
}

interface ConvBiasActAttrs extends BiasActAttrs {
  strides: [number, number];
  pad: "valid" | "same";
}

type Backend = { disposeData(dataId: object): void };

function kernelOf(name: string, backendName: string): KernelFunc {
  const config = tf.getKernel(name, backendName);
  if (!config) throw new Error(`elegy-ts: kernel ${name} is not registered for backend '${backendName}'.`);
  return config.kernelFunc;
}

/** The native addon when this backend is wasm and it is loaded. */
function nativeOn(backendName: string) {
  return backendName === "wasm" ? nativeKernels() : undefined;
}

/**
 * Whether the native direct convolution serves this filter: short patches (kh·kw·in below the
 * GEMM's threshold, e.g. a first layer on 1-channel images), out-channels that fill whole AVX2
 * registers. Measured on [64×28×28×1] ⊛ [3×3×1×32]: forward 0.8 ms vs XNNPACK's 1.8, filter +
 * bias gradient 1.7 ms vs 4.6 for the ReLU mask pass + im2col/GEMM.
 */
export function directConv(backendName: string, filterShape: number[]) {
  const native = nativeOn(backendName);
  const [kh, kw, inChannels, outChannels] = filterShape;
  const fits = native !== undefined && native.simd && kh * kw * inChannels < MIN_PATCH_FOR_GEMM && outChannels % 8 === 0 && outChannels <= 64;
  return fits ? native : undefined;
}

/** The geometry arguments of the native convolutions (batch … dilW), dilation 1. */
export function convGeometry(xShape: number[], filterShape: number[], strides: [number, number], pad: "valid" | "same"): number[] {
  const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape as [number, number, number, number], strides, 1, pad);
  return [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth, info.outHeight, info.outWidth,
    info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left, 1, 1];
}

function conv2dBiasActKernel(backendName: string): KernelFunc {
  return (args) => {
    const { x, filter, bias } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo };
    const { strides, pad, activation } = args.attrs as unknown as ConvBiasActAttrs;
    const convAttrs = { strides, pad, dataFormat: "NHWC", dilations: 1 };
    const [kh, kw, inChannels, outChannels] = filter.shape;
    // The native loops trust these shapes (they address the heap directly).
    if (x.shape.length !== 4 || filter.shape.length !== 4 || x.shape[3] !== inChannels || (bias && (bias.shape.length !== 1 || bias.shape[0] !== outChannels))) {
      throw new Error(`${CONV2D_BIAS_ACT}: x [${x.shape}], filter [${filter.shape}] and bias [${bias?.shape ?? ""}] do not fit together.`);
    }
    const direct = x.dtype === "float32" ? directConv(backendName, filter.shape) : undefined;
    if (direct) {
      const backend = args.backend as unknown as WasmBackend;
      const geometry = convGeometry(x.shape, filter.shape, strides, pad);
      const out = backend.makeOutput([geometry[0], geometry[6], geometry[7], outChannels], "float32");
      direct.convBiasActDirect(heapBuffer(backend), heapOffset(backend, x), heapOffset(backend, filter), bias ? heapOffset(backend, bias) : -1,
        heapOffset(backend, out), ...geometry, outChannels, activation === "relu");
      return out;
    }
    const native = nativeOn(backendName);
    // Natively (patches long enough for the GEMM): the blocked convolution, bias and ReLU applied to each block of its output.
    if (native && kh * kw * inChannels >= MIN_PATCH_FOR_GEMM && x.dtype === "float32" && filter.dtype === "float32" && (!bias || bias.dtype === "float32")) {
      const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, 1, pad);
      return nativeConvForward(native, args.backend as unknown as WasmBackend, x, filter, bias, info, activation === "relu");
    }
    const inputs = bias ? { x, filter, bias } : { x, filter };
    return kernelOf("FusedConv2D", backendName)({ ...args, inputs, attrs: { ...convAttrs, activation } as never });
  };
}

function denseBiasActKernel(backendName: string): KernelFunc {
  return (args) => {
    const { a, b, bias } = args.inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo };
    const { activation } = args.attrs as unknown as BiasActAttrs;
    const [m, k] = a.shape;
    const n = b.shape[1];
    if (a.shape.length !== 2 || b.shape.length !== 2 || b.shape[0] !== k || (bias && (bias.shape.length !== 1 || bias.shape[0] !== n))) {
      throw new Error(`${DENSE_BIAS_ACT}: a [${a.shape}], b [${b.shape}] and bias [${bias?.shape ?? ""}] do not fit together.`);
    }
    const native = nativeOn(backendName);
    if (native && a.dtype === "float32" && b.dtype === "float32") {
      const backend = args.backend as unknown as WasmBackend;
      const out = backend.makeOutput([m, n], "float32");
      const heap = heapBuffer(backend);
      native.gemm(heap, heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out), 1, m, k, n, false, false, 0, 0);
      if (bias || activation === "relu") {
        native.biasRelu(heap, heapOffset(backend, out), bias ? heapOffset(backend, bias) : -1, heapOffset(backend, out), m, n, activation === "relu");
      }
      return out;
    }
    // _FusedMatMul takes rank-3 operands (wasm reads shape[1] and shape[2]): views of the same data.
    const inputs: Record<string, TensorInfo> = { a: { ...a, shape: [1, m, k] }, b: { ...b, shape: [1, k, n] } };
    if (bias) inputs.bias = bias;
    const out = kernelOf("_FusedMatMul", backendName)({ ...args, inputs, attrs: { transposeA: false, transposeB: false, activation } as never }) as TensorInfo;
    return { dataId: out.dataId, shape: [m, n], dtype: out.dtype };
  };
}

/** [g, dbias] (or [g] without a bias) with g = y > 0 ? dy : 0 and dbias = Σ over the leading axes of g. */
function reluBiasGradKernel(backendName: string): KernelFunc {
  return (args) => {
    const { dy, y } = args.inputs as { dy: TensorInfo; y: TensorInfo };
    const { withBias } = args.attrs as unknown as { withBias: boolean };
    const columns = y.shape[y.shape.length - 1];
    const native = nativeOn(backendName);
    if (native && dy.dtype === "float32" && y.dtype === "float32") {
      const backend = args.backend as unknown as WasmBackend;
      const g = backend.makeOutput([...y.shape], "float32");
      const dbias = withBias ? backend.makeOutput([columns], "float32") : undefined;
      native.reluBiasGrad(heapBuffer(backend), heapOffset(backend, dy), heapOffset(backend, y), heapOffset(backend, g),
        dbias ? heapOffset(backend, dbias) : -1, tf.util.sizeFromShape(y.shape) / columns, columns);
      return dbias ? [g, dbias] : [g];
    }
    // Composed from the backend's own kernels, as tf.relu's gradient is (dy · step(y)), then the sum.
    const backend = args.backend as unknown as Backend;
    const step = kernelOf("Step", backendName)({ inputs: { x: y }, attrs: { alpha: 0 }, backend: args.backend }) as TensorInfo;
    let g: TensorInfo;
    try {
      g = kernelOf("Multiply", backendName)({ inputs: { a: dy, b: step }, attrs: {}, backend: args.backend }) as TensorInfo;
    } finally {
      backend.disposeData(step.dataId);
    }
    if (!withBias) return [g];
    const axis = y.shape.slice(0, -1).map((_, i) => i);
    return [g, kernelOf("Sum", backendName)({ inputs: { x: g }, attrs: { axis, keepDims: false }, backend: args.backend }) as TensorInfo];
  };
}

/** [dW, dbias] (or [dW]) of a fused conv from x, dy and its output y, natively (see directConv). */
function conv2dBiasActFilterGradKernel(backendName: string): KernelFunc {
  return (args) => {
    const { x, dy, y } = args.inputs as { x: TensorInfo; dy: TensorInfo; y: TensorInfo };
    const { strides, pad, activation, withBias, filterShape } = args.attrs as unknown as ConvBiasActAttrs & { filterShape: number[] };
    const direct = directConv(backendName, filterShape);
    if (!direct || x.dtype !== "float32" || dy.dtype !== "float32") throw new Error(`${CONV2D_BIAS_ACT_FILTER_GRAD} needs the native kernels and float32 inputs.`);
    const backend = args.backend as unknown as WasmBackend;
    const dw = backend.makeOutput([...filterShape], "float32");
    const dbias = withBias ? backend.makeOutput([filterShape[3]], "float32") : undefined;
    direct.convFilterGradDirect(heapBuffer(backend), heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, y), heapOffset(backend, dw),
      dbias ? heapOffset(backend, dbias) : -1, ...convGeometry(x.shape, filterShape, strides, pad), filterShape[3], activation === "relu");
    return dbias ? [dw, dbias] : [dw];
  };
}

const KERNELS: Record<string, (backendName: string) => KernelFunc> = {
  [CONV2D_BIAS_ACT]: conv2dBiasActKernel,
  [DENSE_BIAS_ACT]: denseBiasActKernel,
  [RELU_BIAS_GRAD]: reluBiasGradKernel,
  [CONV2D_BIAS_ACT_FILTER_GRAD]: conv2dBiasActFilterGradKernel,
};

/** The fused kernels for one backend, for wasm/fixes.ts' own-kernel table. */
export function biasActKernels(backendName: string): Record<string, () => KernelFunc> {
  return Object.fromEntries(Object.entries(KERNELS).map(([name, make]) => [name, () => make(backendName)]));
}

/** Registers the fused kernels for a backend (once), and their gradients. */
export function registerBiasActKernels(backendName: "wasm" | "cpu"): void {
  registerGradients();
  for (const [name, make] of Object.entries(KERNELS)) {
    if (!tf.getKernel(name, backendName)) tf.registerKernel({ kernelName: name, backendName, kernelFunc: make(backendName) });
  }
}

type Saved = tf.Tensor[];

/** The gradient wrt the pre-activation (g) and the bias, from the layer's output y. */
function activationGrad(dy: tf.Tensor, y: tf.Tensor, attrs: BiasActAttrs): { g: tf.Tensor; dbias: () => tf.Tensor } {
  if (attrs.activation === "linear") {
    return { g: dy, dbias: () => tf.sum(dy, dy.shape.slice(0, -1).map((_, i) => i)) };
  }
  // Once for every input closure (the engine disposes it with the rest of the backward pass).
  const outs = tf.engine().runKernel(RELU_BIAS_GRAD, { dy, y }, { withBias: attrs.withBias } as never) as unknown as tf.Tensor[];
  return { g: outs[0], dbias: () => outs[1] };
}

let gradientsRegistered = false;

function registerGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  tf.registerGradient({
    kernelName: CONV2D_BIAS_ACT,
    inputsToSave: ["x", "filter"],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved as Saved;
      const a = attrs as unknown as ConvBiasActAttrs;
      const conv = { strides: a.strides, pad: a.pad, dataFormat: "NHWC" };
      if (directConv(tf.getBackend(), filter.shape) && x.dtype === "float32") {
        // The filter and bias gradients in one pass over dy (its masked copy never written);
        // the input's, only if the engine asks for it (never for a first layer's images).
        const outs = tf.engine().runKernel(CONV2D_BIAS_ACT_FILTER_GRAD, { x, dy: dy as tf.Tensor, y },
          { ...a, filterShape: filter.shape } as never) as unknown as tf.Tensor[];
        return {
          x: () => {
            const g = a.activation === "relu" ? (tf.engine().runKernel(RELU_BIAS_GRAD, { dy: dy as tf.Tensor, y }, { withBias: false } as never) as unknown as tf.Tensor[])[0] : dy as tf.Tensor;
            return tf.engine().runKernel("Conv2DBackpropInput", { dy: g, filter }, { ...conv, inputShape: x.shape } as never) as tf.Tensor;
          },
          filter: () => outs[0],
          bias: () => outs[1],
        };
      }
      const { g, dbias } = activationGrad(dy as tf.Tensor, y, a);
      return {
        x: () => tf.engine().runKernel("Conv2DBackpropInput", { dy: g, filter }, { ...conv, inputShape: x.shape } as never) as tf.Tensor,
        filter: () => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: g }, { ...conv, filterShape: filter.shape } as never) as tf.Tensor,
        bias: dbias,
      };
    },
  });
  tf.registerGradient({
    kernelName: DENSE_BIAS_ACT,
    inputsToSave: ["a", "b"],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [a, b, y] = saved as Saved;
      const { g, dbias } = activationGrad(dy as tf.Tensor, y, attrs as unknown as BiasActAttrs);
      return { a: () => tf.matMul(g, b, false, true), b: () => tf.matMul(a, g, true, false), bias: dbias };
    },
  });
  // Second order (a gradient penalty through a fused layer): the mask passes the gradients of g
  // and of the bias sum back to dy; y only selects, so it gets none.
  tf.registerGradient({
    kernelName: RELU_BIAS_GRAD,
    inputsToSave: ["y"],
    gradFunc: (dys, saved) => {
      const [y] = saved as Saved;
      const [dg, dbias] = Array.isArray(dys) ? dys : [dys];
      return {
        dy: () => tf.mul(dbias ? tf.add(dg, dbias) : dg, tf.step(y)),
        y: () => tf.zerosLike(y),
      };
    },
  });
}

/** Whether the active backend runs the fused kernels (wasm and cpu; others compose tf ops). */
export function hasBiasActKernels(): boolean {
  return tf.getKernel(CONV2D_BIAS_ACT, tf.getBackend()) !== undefined;
}

/** act(conv2d(x, filter) + bias), NHWC, dilation 1 (check hasBiasActKernels() first). */
export function conv2dBiasAct(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor | undefined, strides: [number, number], pad: "valid" | "same",
  activation: FusedActivation): tf.Tensor4D {
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  const attrs: ConvBiasActAttrs = { strides, pad, activation, withBias: bias !== undefined };
  return tf.engine().runKernel(CONV2D_BIAS_ACT, inputs, attrs as never) as tf.Tensor4D;
}

/** act(a · b + bias) for a [m, k] and b [k, n] (check hasBiasActKernels() first). */
export function denseBiasAct(a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor | undefined, activation: FusedActivation): tf.Tensor {
  const inputs: tf.NamedTensorMap = bias ? { a, b, bias } : { a, b };
  const attrs: BiasActAttrs = { activation, withBias: bias !== undefined };
  return tf.engine().runKernel(DENSE_BIAS_ACT, inputs, attrs as never) as tf.Tensor;
}

// cpu at import (tests and the plain-JS backend); wasm's come with wasm/fixes.ts' own kernels, before
// its loop that forwards every kernel wasm lacks to cpu would pick these up.
registerBiasActKernels("cpu");
