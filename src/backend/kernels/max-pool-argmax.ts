// Max pooling that records where each output's maximum came from (like TF's
// MaxPoolWithArgmax, the index flat over the whole NHWC input), so that its gradient is one
// scatter of dy through those indices instead of MaxPoolGrad's second scan of x and y.
// Same rule as tfjs: each window routes its gradient to its first maximum in scan order (rows,
// then columns); padding never wins. Natively when the addon is built, else a JS loop (on the
// wasm heap, or over cpu's arrays). nn.MaxPool2D uses it while a gradient tape is recording.
import { tf } from "../../tf";
import { nativeKernels } from "#platform/native"; // the addon in Node, none in a page
import { KernelFunc, TensorInfo, WasmBackend, heapBuffer, heapF32, heapOffset } from "../wasm/kernel-types";

export const MAX_POOL_ARGMAX = "ElegyMaxPoolWithArgmax";
export const MAX_POOL_SCATTER = "ElegyMaxPoolScatter";

interface PoolAttrs {
  filterSize: [number, number];
  strides: [number, number];
  pad: "valid" | "same";
}

/** batch, h, w, c, outH, outW, fh, fw, sh, sw, padTop, padLeft (the native kernel's order). */
type PoolGeometry = [number, number, number, number, number, number, number, number, number, number, number, number];

function geometryOf(shape: number[], { filterSize, strides, pad }: PoolAttrs): { geometry: PoolGeometry; outShape: number[] } {
  const info = tf.backend_util.computePool2DInfo(shape as [number, number, number, number], filterSize, strides, 1, pad);
  const [batch, h, w, c] = shape;
  return {
    geometry: [batch, h, w, c, info.outHeight, info.outWidth, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
      info.padInfo.top, info.padInfo.left],
    outShape: [batch, info.outHeight, info.outWidth, c],
  };
}

/** y and argmax of every window (JS; the native kernel is the same loop). */
export function maxPoolArgmaxLoop(x: Float32Array, y: Float32Array, argmax: Int32Array, geometry: PoolGeometry): void {
  const [batch, h, w, c, outH, outW, fh, fw, sh, sw, top, left] = geometry;
  for (let n = 0; n < batch; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const o = ((n * outH + oh) * outW + ow) * c;
        let first = true;
        for (let i = 0; i < fh; i++) {
          const ih = oh * sh - top + i;
          if (ih < 0 || ih >= h) continue;
          for (let j = 0; j < fw; j++) {
            const iw = ow * sw - left + j;
            if (iw < 0 || iw >= w) continue;
            const base = ((n * h + ih) * w + iw) * c;
            for (let ci = 0; ci < c; ci++) {
              const v = x[base + ci];
              if (first || v > y[o + ci]) {
                y[o + ci] = v;
                argmax[o + ci] = base + ci;
              }
            }
            first = false;
          }
        }
        if (first) {
          // A window entirely in the padding ("valid" and "same" never make one): no input.
          y.fill(0, o, o + c);
          argmax.fill(-1, o, o + c);
        }
      }
    }
  }
}

/** dx = 0, then dx[argmax[i]] += dy[i]. */
export function scatterLoop(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
  dx.fill(0);
  for (let i = 0; i < dy.length; i++) {
    const at = argmax[i];
    if (at >= 0) dx[at] += dy[i];
  }
}

function wasmMaxPoolArgmax(): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { x } = inputs as { x: TensorInfo };
    const b = backend as unknown as WasmBackend;
    const { geometry, outShape } = geometryOf(x.shape, attrs as unknown as PoolAttrs);
    const y = b.makeOutput(outShape, "float32");
    const argmax = b.makeOutput(outShape, "int32");
    const native = nativeKernels();
    if (native) {
      native.maxPoolArgmax(heapBuffer(b), heapOffset(b, x), heapOffset(b, y), heapOffset(b, argmax), ...geometry);
    } else {
      // Views after every allocation: a growing heap detaches the earlier ones.
      maxPoolArgmaxLoop(heapF32(b, x), heapF32(b, y), b.typedArrayFromHeap(argmax) as Int32Array, geometry);
    }
    return [y, argmax];
  };
}

function wasmMaxPoolScatter(): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { dy, argmax } = inputs as { dy: TensorInfo; argmax: TensorInfo };
    const { inputShape } = attrs as unknown as { inputShape: number[] };
    const b = backend as unknown as WasmBackend;
    const dx = b.makeOutput([...inputShape], "float32");
    const native = nativeKernels();
    if (native) {
      native.maxPoolScatter(heapBuffer(b), heapOffset(b, dy), heapOffset(b, argmax), heapOffset(b, dx), tf.util.sizeFromShape(dy.shape),
        tf.util.sizeFromShape(inputShape));
    } else {
      scatterLoop(heapF32(b, dy), b.typedArrayFromHeap(argmax) as Int32Array, heapF32(b, dx));
    }
    return dx;
  };
}

interface CpuBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.backend_util.BackendValues): TensorInfo;
}

function cpuMaxPoolArgmax(): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { x } = inputs as { x: TensorInfo };
    const b = backend as unknown as CpuBackend;
    const { geometry, outShape } = geometryOf(x.shape, attrs as unknown as PoolAttrs);
    const size = tf.util.sizeFromShape(outShape);
    const y = new Float32Array(size);
    const argmax = new Int32Array(size);
    maxPoolArgmaxLoop(b.readSync(x.dataId) as Float32Array, y, argmax, geometry);
    return [b.makeTensorInfo(outShape, "float32", y), b.makeTensorInfo(outShape, "int32", argmax)];
  };
}

function cpuMaxPoolScatter(): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { dy, argmax } = inputs as { dy: TensorInfo; argmax: TensorInfo };
    const { inputShape } = attrs as unknown as { inputShape: number[] };
    const b = backend as unknown as CpuBackend;
    const dx = new Float32Array(tf.util.sizeFromShape(inputShape));
    scatterLoop(b.readSync(dy.dataId) as Float32Array, b.readSync(argmax.dataId) as Int32Array, dx);
    return b.makeTensorInfo([...inputShape], "float32", dx);
  };
}

/** The wasm kernels, for wasm/fixes.ts' own-kernel table. */
export const WASM_MAX_POOL_ARGMAX_KERNELS: Record<string, () => KernelFunc> = {
  [MAX_POOL_ARGMAX]: wasmMaxPoolArgmax,
  [MAX_POOL_SCATTER]: wasmMaxPoolScatter,
};

let gradientRegistered = false;

/** Registers the cpu kernels (once) and the scatter's own gradient (a gather, for second order). */
export function registerMaxPoolArgmax(): void {
  for (const [name, make] of [[MAX_POOL_ARGMAX, cpuMaxPoolArgmax], [MAX_POOL_SCATTER, cpuMaxPoolScatter]] as const) {
    if (!tf.getKernel(name, "cpu")) tf.registerKernel({ kernelName: name, backendName: "cpu", kernelFunc: make() });
  }
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: MAX_POOL_SCATTER,
    inputsToSave: ["argmax"],
    gradFunc: (ddx, saved) => {
      const [argmax] = saved as tf.Tensor[];
      return {
        dy: () => tf.reshape(tf.gather(tf.reshape(ddx as tf.Tensor, [-1]), tf.reshape(argmax, [-1])), argmax.shape),
        // Indices have no gradient (float32, as the engine requires of every input's gradient).
        argmax: () => tf.zeros(argmax.shape),
      };
    },
  });
}

/** Whether the active backend runs the argmax pooling (wasm and cpu). */
export function hasMaxPoolArgmax(): boolean {
  return tf.getKernel(MAX_POOL_ARGMAX, tf.getBackend()) !== undefined;
}

/** tf.maxPool whose gradient scatters dy through the recorded argmax (check hasMaxPoolArgmax() first). */
export function maxPoolWithArgmax(x: tf.Tensor4D, filterSize: [number, number], strides: [number, number], pad: "valid" | "same"): tf.Tensor4D {
  const attrs: PoolAttrs = { filterSize, strides, pad };
  const pool = tf.customGrad(((input: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const [y, argmax] = tf.engine().runKernel(MAX_POOL_ARGMAX, { x: input }, attrs as never) as unknown as [tf.Tensor4D, tf.Tensor4D];
    save([argmax]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [indices]: tf.Tensor[]) =>
        tf.engine().runKernel(MAX_POOL_SCATTER, { dy, argmax: indices }, { inputShape: input.shape } as never) as tf.Tensor,
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return pool(x) as tf.Tensor4D;
}

// cpu at import; wasm's are among wasm/fixes.ts' own kernels (registered before its cpu-forwarding loop).
registerMaxPoolArgmax();
