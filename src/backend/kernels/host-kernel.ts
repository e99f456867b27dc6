// Small fused kernels written once as a JS loop over typed arrays, registered for wasm (the
// arrays are views of the wasm heap: no copies) and cpu (the backend's own arrays). At the
// sizes they serve (scalars, a batch of logits) a kernel launch costs far more than its math,
// so one of these replaces a chain of tfjs kernels. Other backends run the composed ops:
// callers check hasHostKernel() first.
import { tf } from "../../tf";
import { KernelFunc, TensorInfo, WasmBackend } from "../wasm/kernel-types";

export type HostArray = Float32Array | Int32Array | Uint8Array;

/** One input as the kernel sees it. */
export interface HostInput {
  readonly values: HostArray;
  readonly shape: readonly number[];
  readonly dtype: tf.DataType;
}

export interface HostOutputSpec {
  shape: number[];
  dtype: "float32" | "int32";
}

/**
 * A kernel as two parts: `outputs` says what it makes (from the inputs' shapes and dtypes,
 * values not yet readable), `compute` fills the outputs from the inputs' values.
 */
export interface HostKernel<A = Record<string, unknown>> {
  readonly name: string;
  outputs(inputs: Record<string, HostInput>, attrs: A): HostOutputSpec[];
  compute(inputs: Record<string, HostInput>, outputs: HostArray[], attrs: A): void;
}

interface CpuBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.backend_util.BackendValues): TensorInfo;
}

function described(inputs: Record<string, TensorInfo | undefined>, values: (info: TensorInfo) => HostArray): Record<string, HostInput> {
  const out: Record<string, HostInput> = {};
  for (const [name, info] of Object.entries(inputs)) {
    if (info) out[name] = { values: values(info), shape: info.shape, dtype: info.dtype };
  }
  return out;
}

/** Shapes only (outputs() must not read values: on wasm they are read after allocation). */
const NO_VALUES = new Float32Array(0);

function wasmKernel<A>(kernel: HostKernel<A>): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const b = backend as unknown as WasmBackend;
    const infos = inputs as Record<string, TensorInfo | undefined>;
    const a = attrs as unknown as A;
    const specs = kernel.outputs(described(infos, () => NO_VALUES), a);
    const outs = specs.map((s) => b.makeOutput(s.shape, s.dtype));
    // Views after every allocation: a growing heap detaches earlier ones.
    kernel.compute(described(infos, (info) => b.typedArrayFromHeap(info)), outs.map((o) => b.typedArrayFromHeap(o)), a);
    return outs;
  };
}

const ARRAYS = { float32: Float32Array, int32: Int32Array } as const;

function cpuKernel<A>(kernel: HostKernel<A>): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const b = backend as unknown as CpuBackend;
    const a = attrs as unknown as A;
    const ins = described(inputs as Record<string, TensorInfo | undefined>, (info) => b.readSync(info.dataId) as HostArray);
    const specs = kernel.outputs(ins, a);
    const values = specs.map((s) => new ARRAYS[s.dtype](s.shape.reduce((n, d) => n * d, 1)));
    kernel.compute(ins, values, a);
    return specs.map((s, i) => b.makeTensorInfo(s.shape, s.dtype, values[i]));
  };
}

/** Registers the kernel for wasm and cpu (once each); wasm/fixes.ts leaves kernels wasm already has alone. */
export function registerHostKernel<A>(kernel: HostKernel<A>): void {
  const makers = { wasm: wasmKernel, cpu: cpuKernel };
  for (const backendName of ["wasm", "cpu"] as const) {
    if (tf.getKernel(kernel.name, backendName)) continue;
    tf.registerKernel({ kernelName: kernel.name, backendName, kernelFunc: makers[backendName](kernel) });
  }
}

/** Whether the active backend has the kernel (wasm and cpu do once registered; others run composed ops). */
export function hasHostKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** Runs a registered kernel; its outputs are tensors of the active engine scope. */
export function runHostKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object = {}): tf.Tensor[] {
  return tf.engine().runKernel(name, inputs as never, attrs as never) as unknown as tf.Tensor[];
}
