// One fused kernel for a whole Adam (or AdamW) update of one parameter tensor, for the wasm
// and cpu backends: param, m and v in a single pass, instead of ~13 elementwise kernels that
// each read and write the full tensor (a third of an MLP step on wasm). The math is the
// optimizer's own (tf.train.adam's): moments rounded to float32, then
//   param ← param − param·lr·weightDecay − lr · (m / (1 − β1ᵗ)) / (sqrt(v / (1 − β2ᵗ)) + ε).
// Backends without the kernel (webgl, tfjs-node) use the composed ops instead.
import { tf } from "../../tf";
import { nativeKernels } from "#platform/native"; // the addon in Node, none in a page
import { KernelFunc, TensorInfo, WasmBackend, heapF32 } from "../wasm/kernel-types";

export const ADAM_UPDATE = "ElegyAdamUpdate";

export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** AdamW's decoupled decay (0 for Adam). */
  weightDecay: number;
}

interface AdamUpdateInputs {
  param: TensorInfo;
  grad: TensorInfo;
  m: TensorInfo;
  v: TensorInfo;
  /** Learning rate of this update (float32 scalar). */
  lr: TensorInfo;
  /** 1-based number of this update (float32 scalar), for the bias corrections. */
  t: TensorInfo;
}

type F32 = Float32Array;

/** The update over plain arrays (outputs may not alias inputs). */
export function adamUpdateLoop(p: F32, g: F32, m: F32, v: F32, outP: F32, outM: F32, outV: F32, lr: number, t: number, a: AdamUpdateAttrs): void {
  const { beta1, beta2, epsilon } = a;
  const keep1 = Math.fround(beta1);
  const keep2 = Math.fround(beta2);
  const take1 = Math.fround(1 - beta1);
  const take2 = Math.fround(1 - beta2);
  const correction1 = 1 - Math.pow(Math.fround(beta1), t);
  const correction2 = 1 - Math.pow(Math.fround(beta2), t);
  const decay = lr * a.weightDecay;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = Math.fround(keep1 * m[i] + take1 * gi);
    const vi = Math.fround(keep2 * v[i] + take2 * gi * gi);
    outM[i] = mi;
    outV[i] = vi;
    const pi = decay === 0 ? p[i] : p[i] - p[i] * decay;
    outP[i] = pi - (lr * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon);
  }
}

function checkInputs({ param, grad, m, v }: AdamUpdateInputs): void {
  for (const [name, info] of [["grad", grad], ["m", m], ["v", v]] as const) {
    if (info.shape.length !== param.shape.length || info.shape.some((d, i) => d !== param.shape[i])) {
      throw new Error(`${ADAM_UPDATE}: ${name} has shape [${info.shape}] but param has [${param.shape}].`);
    }
  }
}

export function wasmAdamUpdate(): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const ins = inputs as unknown as AdamUpdateInputs;
    checkInputs(ins);
    const b = backend as unknown as WasmBackend;
    const shape = [...ins.param.shape];
    const outs = [b.makeOutput(shape, "float32"), b.makeOutput(shape, "float32"), b.makeOutput(shape, "float32")];
    const lr = b.typedArrayFromHeap(ins.lr)[0];
    const t = b.typedArrayFromHeap(ins.t)[0];
    const native = nativeKernels();
    if (native) {
      const { beta1, beta2, epsilon, weightDecay } = attrs as unknown as AdamUpdateAttrs;
      const at = (info: TensorInfo) => b.dataIdMap.get(info.dataId).memoryOffset;
      native.adam(b.wasm.HEAPU8.buffer as ArrayBuffer, at(ins.param), at(ins.grad), at(ins.m), at(ins.v), at(outs[0]), at(outs[1]), at(outs[2]),
        tf.util.sizeFromShape(shape), lr, t, beta1, beta2, epsilon, weightDecay);
      return outs;
    }
    // Views after every allocation: a growing heap detaches the earlier ones.
    const [outP, outM, outV] = outs.map((o) => heapF32(b, o));
    adamUpdateLoop(heapF32(b, ins.param), heapF32(b, ins.grad), heapF32(b, ins.m), heapF32(b, ins.v), outP, outM, outV, lr, t, attrs as unknown as AdamUpdateAttrs);
    return outs;
  };
}

interface CpuBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.backend_util.BackendValues): TensorInfo;
}

function cpuAdamUpdate(): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const ins = inputs as unknown as AdamUpdateInputs;
    checkInputs(ins);
    const b = backend as unknown as CpuBackend;
    const read = (info: TensorInfo) => b.readSync(info.dataId) as Float32Array;
    const n = tf.util.sizeFromShape(ins.param.shape);
    const [outP, outM, outV] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    adamUpdateLoop(read(ins.param), read(ins.grad), read(ins.m), read(ins.v), outP, outM, outV, read(ins.lr)[0], read(ins.t)[0], attrs as unknown as AdamUpdateAttrs);
    const shape = [...ins.param.shape];
    return [b.makeTensorInfo(shape, "float32", outP), b.makeTensorInfo(shape, "float32", outM), b.makeTensorInfo(shape, "float32", outV)];
  };
}

const IMPLEMENTATIONS: Record<string, () => KernelFunc> = { wasm: wasmAdamUpdate, cpu: cpuAdamUpdate };

/** Registers the fused update for a backend that has an implementation (once). */
export function registerAdamUpdate(backendName: "wasm" | "cpu"): void {
  if (tf.getKernel(ADAM_UPDATE, backendName)) return;
  tf.registerKernel({ kernelName: ADAM_UPDATE, backendName, kernelFunc: IMPLEMENTATIONS[backendName]() });
}

/**
 * Largest tensor the JS loop updates faster than wasm's SIMD kernels chained (measured: JS
 * saves ~15 kernel launches, but costs ~10 ns per element more; even at ~12,000 elements,
 * so the linear classifier's 784×10 kernel is one update).
 */
const JS_LOOP_MAX_ON_WASM = 8192;

/** Whether the fused update is the fast way for a parameter of `size` elements on the active backend. */
export function prefersAdamUpdate(size: number): boolean {
  const backend = tf.getBackend();
  if (tf.getKernel(ADAM_UPDATE, backend) === undefined) return false;
  return backend !== "wasm" || size <= JS_LOOP_MAX_ON_WASM || nativeKernels() !== undefined;
}

/** [param, m, v] after one update, by the fused kernel (check prefersAdamUpdate() first). */
export function adamUpdate(
  inputs: { param: tf.Tensor; grad: tf.Tensor; m: tf.Tensor; v: tf.Tensor; lr: tf.Scalar; t: tf.Scalar },
  attrs: AdamUpdateAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(ADAM_UPDATE, inputs as never, attrs as never) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}
