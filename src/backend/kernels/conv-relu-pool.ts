// Conv2D + bias + ReLU + MaxPool2D as one kernel of ours (ElegyConv2DBiasReluMaxPool), for
// Sequential's [Conv2D, nn.relu, MaxPool2D]: natively, where the direct convolution serves the
// filter (short patches, e.g. a first layer on 1-channel images) and the pooling windows do not
// overlap ("valid", stride ≥ window). The conv's full-size activation is never written: only
// the pooled values and, per pooled value, the byte of the window position that won (the first
// maximum, as MaxPool's gradient routes it). The gradient needs no more than that — the ReLU's
// mask at the winner is pooled > 0 — so the filter and bias gradient reads only the pooled
// gradient, and the input gradient (asked for only when x is not the model's input) is the
// masked pooled gradient put back at the winners, through Conv2DBackpropInput.
// Elsewhere (other shapes, no addon, other backends) nn.Conv2D and nn.MaxPool2D run as before.
import { tf } from "../../tf";
import { convGeometry, directConv } from "./bias-act";
import { KernelFunc, TensorInfo, WasmBackend, heapBuffer, heapOffset } from "../wasm/kernel-types";

export const CONV2D_RELU_POOL = "ElegyConv2DBiasReluMaxPool";
/** Its filter and bias gradients from the pooled gradient (native). */
export const CONV2D_RELU_POOL_FILTER_GRAD = "ElegyConv2DBiasReluMaxPoolFilterGrad";
/** The masked pooled gradient at the conv's output size (its winners set, 0 elsewhere), for the input gradient. */
export const RELU_POOL_UNPOOL = "ElegyReluMaxPoolUnpool";

export interface ConvReluPoolAttrs {
  strides: [number, number];
  pad: "valid" | "same";
  poolSize: [number, number];
  poolStrides: [number, number];
  /** Whether a bias input is given (the gradient function does not see the inputs). */
  withBias: boolean;
}

/** pooledH, pooledW, poolH, poolW, poolStrideH, poolStrideW (the native kernels' order), from the conv's geometry. */
function poolWindows(geometry: number[], { poolSize, poolStrides }: ConvReluPoolAttrs): number[] {
  const [outH, outW] = [geometry[6], geometry[7]];
  const pooled = (size: number, window: number, stride: number) => (size < window ? 0 : Math.floor((size - window) / stride) + 1);
  return [pooled(outH, poolSize[0], poolStrides[0]), pooled(outW, poolSize[1], poolStrides[1]), ...poolSize, ...poolStrides];
}

/**
 * Whether the fused block runs here: wasm with the native direct convolution for this filter, float32,
 * and windows that do not overlap and leave at least one pooled value ("valid" pooling only).
 */
export function convReluPoolApplies(x: tf.Tensor, filter: tf.Tensor, strides: [number, number], pad: "valid" | "same", poolSize: [number, number],
  poolStrides: [number, number], poolPad: "valid" | "same"): boolean {
  const backendName = tf.getBackend();
  if (tf.getKernel(CONV2D_RELU_POOL, backendName) === undefined || !directConv(backendName, filter.shape)) return false;
  if (x.dtype !== "float32" || filter.dtype !== "float32" || x.rank !== 4 || filter.rank !== 4 || x.shape[3] !== filter.shape[2]) return false;
  if (poolPad !== "valid" || poolStrides[0] < poolSize[0] || poolStrides[1] < poolSize[1] || poolSize[0] * poolSize[1] > 256) return false;
  const geometry = convGeometry(x.shape, filter.shape, strides, pad);
  const [pooledH, pooledW] = poolWindows(geometry, { strides, pad, poolSize, poolStrides, withBias: false });
  return pooledH > 0 && pooledW > 0;
}

function checkShapes(name: string, x: TensorInfo, filter: TensorInfo, bias?: TensorInfo): void {
  const outChannels = filter.shape[3];
  // The native loops trust these shapes (they address the heap directly).
  if (x.shape.length !== 4 || filter.shape.length !== 4 || x.shape[3] !== filter.shape[2] || (bias && (bias.shape.length !== 1 || bias.shape[0] !== outChannels))) {
    throw new Error(`${name}: x [${x.shape}], filter [${filter.shape}] and bias [${bias?.shape ?? ""}] do not fit together.`);
  }
}

function nativeFor(name: string, filterShape: number[], ...tensors: TensorInfo[]) {
  const native = directConv("wasm", filterShape);
  if (!native || tensors.some((t) => t.dtype !== "float32")) throw new Error(`${name} needs the native kernels and float32 inputs.`);
  return native;
}

/** [pooled, winners]: winners holds a byte per pooled value (an int32 tensor a quarter as long, rounded up). */
function convReluPoolKernel(): KernelFunc {
  return (args) => {
    const { x, filter, bias } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo };
    const attrs = args.attrs as unknown as ConvReluPoolAttrs;
    checkShapes(CONV2D_RELU_POOL, x, filter, bias);
    const native = nativeFor(CONV2D_RELU_POOL, filter.shape, x, filter, ...(bias ? [bias] : []));
    const backend = args.backend as unknown as WasmBackend;
    const geometry = convGeometry(x.shape, filter.shape, attrs.strides, attrs.pad);
    const windows = poolWindows(geometry, attrs);
    const outShape = [geometry[0], windows[0], windows[1], filter.shape[3]];
    const out = backend.makeOutput(outShape, "float32");
    const winners = backend.makeOutput([Math.ceil(tf.util.sizeFromShape(outShape) / 4)], "int32");
    native.convBiasReluPool(heapBuffer(backend), heapOffset(backend, x), heapOffset(backend, filter), bias ? heapOffset(backend, bias) : -1,
      heapOffset(backend, out), heapOffset(backend, winners), ...geometry, filter.shape[3], ...windows);
    return [out, winners];
  };
}

type GradAttrs = ConvReluPoolAttrs & { filterShape: number[] };

/** [dW, dbias] (or [dW]) from x, the pooled gradient dy, the pooled output y and its winners. */
function filterGradKernel(): KernelFunc {
  return (args) => {
    const { x, dy, y, winners } = args.inputs as { x: TensorInfo; dy: TensorInfo; y: TensorInfo; winners: TensorInfo };
    const attrs = args.attrs as unknown as GradAttrs;
    const native = nativeFor(CONV2D_RELU_POOL_FILTER_GRAD, attrs.filterShape, x, dy, y);
    const backend = args.backend as unknown as WasmBackend;
    const geometry = convGeometry(x.shape, attrs.filterShape, attrs.strides, attrs.pad);
    const dw = backend.makeOutput([...attrs.filterShape], "float32");
    const dbias = attrs.withBias ? backend.makeOutput([attrs.filterShape[3]], "float32") : undefined;
    native.convBiasReluPoolFilterGrad(heapBuffer(backend), heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, y), heapOffset(backend, winners),
      heapOffset(backend, dw), dbias ? heapOffset(backend, dbias) : -1, ...geometry, attrs.filterShape[3], ...poolWindows(geometry, attrs));
    return dbias ? [dw, dbias] : [dw];
  };
}

function unpoolKernel(): KernelFunc {
  return (args) => {
    const { dy, y, winners } = args.inputs as { dy: TensorInfo; y: TensorInfo; winners: TensorInfo };
    const attrs = args.attrs as unknown as GradAttrs & { xShape: number[] };
    const native = nativeFor(RELU_POOL_UNPOOL, attrs.filterShape, dy, y);
    const backend = args.backend as unknown as WasmBackend;
    const geometry = convGeometry(attrs.xShape, attrs.filterShape, attrs.strides, attrs.pad);
    const grad = backend.makeOutput([geometry[0], geometry[6], geometry[7], attrs.filterShape[3]], "float32");
    native.reluPoolUnpool(heapBuffer(backend), heapOffset(backend, dy), heapOffset(backend, y), heapOffset(backend, winners), heapOffset(backend, grad),
      ...geometry, attrs.filterShape[3], ...poolWindows(geometry, attrs));
    return grad;
  };
}

/** The wasm kernels, for wasm/fixes.ts' own-kernel table (none on cpu: there the layers run unfused). */
export const WASM_CONV_RELU_POOL_KERNELS: Record<string, () => KernelFunc> = {
  [CONV2D_RELU_POOL]: convReluPoolKernel,
  [CONV2D_RELU_POOL_FILTER_GRAD]: filterGradKernel,
  [RELU_POOL_UNPOOL]: unpoolKernel,
};

tf.registerGradient({
  kernelName: CONV2D_RELU_POOL,
  inputsToSave: ["x", "filter"],
  outputsToSave: [true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, filter, y, winners] = saved as tf.Tensor[];
    // The winners' own gradient (zeros the engine makes: they are indices) is ignored.
    const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor;
    const a = attrs as unknown as ConvReluPoolAttrs;
    const gradAttrs: GradAttrs = { ...a, filterShape: filter.shape };
    // Both weight gradients in one pass, here: each input's closure runs in a scope of its own,
    // which would dispose the other's output.
    const weights = tf.engine().runKernel(CONV2D_RELU_POOL_FILTER_GRAD, { x, dy, y, winners }, gradAttrs as never) as unknown as tf.Tensor[];
    return {
      x: () => {
        const g = tf.engine().runKernel(RELU_POOL_UNPOOL, { dy, y, winners }, { ...gradAttrs, xShape: x.shape } as never) as tf.Tensor;
        return tf.engine().runKernel("Conv2DBackpropInput", { dy: g, filter }, { strides: a.strides, pad: a.pad, dataFormat: "NHWC", inputShape: x.shape } as never) as tf.Tensor;
      },
      filter: () => weights[0],
      bias: () => weights[1],
    };
  },
});

/** maxPool(relu(conv2d(x, filter) + bias)), NHWC, dilation 1 (check convReluPoolApplies() first). */
export function conv2dBiasReluMaxPool(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor | undefined, strides: [number, number], pad: "valid" | "same",
  poolSize: [number, number], poolStrides: [number, number]): tf.Tensor4D {
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  const attrs: ConvReluPoolAttrs = { strides, pad, poolSize, poolStrides, withBias: bias !== undefined };
  const [pooled, winners] = tf.engine().runKernel(CONV2D_RELU_POOL, inputs, attrs as never) as unknown as tf.Tensor[];
  // A recording tape keeps its own copy of the winners (saved for the gradient): this one is not needed.
  winners.dispose();
  return pooled as tf.Tensor4D;
}
