// Fixes for the wasm backend (tfjs 4.22), applied before it initializes:
// - Conv2DBackpropFilter, which wasm lacks, is composed from wasm's own Conv2D (fast);
// - MaxPoolGrad, which wasm computes wrongly when a window's max is negative and there is
//   more than one channel, is a direct loop (correct, and far faster than tfjs-cpu's);
// - every other kernel wasm lacks (UnsortedSegmentSum, depthwise backprops, Einsum, …) runs
//   on the cpu backend's kernel: inputs copied out of the wasm heap, the result copied back.
// - BatchMatMul with transposeA/transposeB is 10–12× slower than an explicit Transpose and
//   a plain BatchMatMul on wasm, so it is rewritten that way.
// - Identity and same-dtype Cast share the input's buffer instead of copying it.
// - Conv2DBackpropInput runs as a forward Conv2D (XNNPACK) instead of wasm's direct loop.
// - Sum over leading axes (bias gradients) is one pass instead of a transpose and a sum.
// - OneHot honours its dtype (wasm's writes int32 values into a float32 tensor).
// - ElegyAdamUpdate, the optimizers' fused Adam update, is registered for wasm; so are nn's fused
//   conv/dense + bias + ReLU kernels and the argmax max pooling.
// - With the native addon built: BatchMatMul, the convolutions and bias adds run natively on the heap.
import { tf } from "../../tf";
import { maxPoolGrad } from "./max-pool-grad";
import { wasmConv2DBackpropFilter } from "./conv2d-backprop-filter";
import { wasmConv2DBackpropInput } from "./conv2d-backprop-input";
import { wasmSumLeadingAxes } from "./sum-leading";
import { wasmOneHot } from "./one-hot";
import { sharedIdentity, sharedSameTypeCast } from "./shared-identity";
import { ADAM_UPDATE, wasmAdamUpdate } from "../kernels/adam-update";
import { nativeKernels } from "#platform/native"; // the addon in Node, none in a page
import { nativeBatchMatMul, nativeConv2D, nativeConv2DBackpropFilter, nativeConv2DBackpropInput, nativeFusedConv2D, nativeBiasAdd } from "../native/wasm-kernels";
import { biasActKernels } from "../kernels/bias-act";
import { WASM_MAX_POOL_ARGMAX_KERNELS } from "../kernels/max-pool-argmax";
import { WASM_CONV_RELU_POOL_KERNELS } from "../kernels/conv-relu-pool";
import { KernelArgs, KernelFunc, TensorInfo, WasmBackend } from "./kernel-types";

interface CpuBackend {
  readSync(dataId: object): tf.backend_util.BackendValues;
  disposeData(dataId: object, force?: boolean): boolean;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.backend_util.BackendValues): TensorInfo;
}

/** Kernels replaced by implementations of our own (wasm's is missing or wrong). */
const OWN_KERNELS: Record<string, () => KernelFunc> = {
  Conv2DBackpropFilter: wasmConv2DBackpropFilter,
  MaxPoolGrad: maxPoolGrad,
  // Ours, and registered for cpu too: it must not be forwarded to the cpu copy below.
  [ADAM_UPDATE]: wasmAdamUpdate,
  // nn.Conv2D / nn.Linear with bias + ReLU fused, and nn.MaxPool2D's argmax pooling (ours, on cpu too).
  ...biasActKernels("wasm"),
  ...WASM_MAX_POOL_ARGMAX_KERNELS,
  // Sequential's [Conv2D, nn.relu, MaxPool2D] as one native kernel (wasm only).
  ...WASM_CONV_RELU_POOL_KERNELS,
};
/** Kernels wrapped around wasm's own: a faster path where it applies, else the original. */
const WRAPPED_KERNELS: Record<string, (original: KernelFunc) => KernelFunc> = {
  BatchMatMul: explicitTransposeBatchMatMul,
  Identity: sharedIdentity,
  Cast: sharedSameTypeCast,
  Conv2DBackpropInput: wasmConv2DBackpropInput,
  Sum: wasmSumLeadingAxes,
  OneHot: wasmOneHot,
};
/** Complex numbers cannot live on the wasm backend, so these cannot be forwarded. */
const NEEDS_COMPLEX = new Set(["FFT", "IFFT", "RFFT", "IRFFT", "Complex", "Real", "Imag", "ComplexAbs"]);

let applied: string[] | undefined;

function cpuBackend(): CpuBackend {
  const cpu = tf.engine().findBackend("cpu") as unknown as CpuBackend & { firstUse?: boolean };
  // The cpu backend greets Node users with advice to install tfjs-node; here it is only a helper.
  cpu.firstUse = false;
  return cpu;
}

function forwardToCpu(kernelName: string): KernelFunc {
  const cpuKernel = tf.getKernel(kernelName, "cpu")!;
  return ({ inputs, attrs, backend }: KernelArgs) => {
    const wasm = backend as unknown as WasmBackend;
    const cpu = cpuBackend();
    const cpuInputs: Record<string, TensorInfo> = {};
    const created: TensorInfo[] = [];
    for (const [name, info] of Object.entries(inputs)) {
      if (!info) continue;
      const copy = cpu.makeTensorInfo(info.shape, info.dtype, wasm.readSync(info.dataId));
      cpuInputs[name] = copy;
      created.push(copy);
    }
    try {
      const out = cpuKernel.kernelFunc({ inputs: cpuInputs, attrs, backend: cpu as never });
      const outputs = Array.isArray(out) ? out : [out];
      const results = outputs.map((o) => {
        const result = wasm.makeOutput(o.shape, o.dtype, undefined, cpu.readSync(o.dataId));
        cpu.disposeData(o.dataId);
        return result;
      });
      return Array.isArray(out) ? results : results[0];
    } finally {
      for (const t of created) cpu.disposeData(t.dataId);
    }
  };
}

function transposeLast2(x: TensorInfo, backend: unknown, transpose: KernelFunc): TensorInfo {
  const perm = x.shape.map((_, i) => i);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
  return transpose({ inputs: { x }, attrs: { perm }, backend: backend as never }) as TensorInfo;
}

function explicitTransposeBatchMatMul(original: KernelFunc): KernelFunc {
  const transpose = tf.getKernel("Transpose", "wasm")!.kernelFunc;
  return (args: KernelArgs) => {
    const { inputs, attrs, backend } = args;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return original(args);
    const temporaries: TensorInfo[] = [];
    let a = inputs.a as TensorInfo;
    let b = inputs.b as TensorInfo;
    if (transposeA) temporaries.push((a = transposeLast2(a, backend, transpose)));
    if (transposeB) temporaries.push((b = transposeLast2(b, backend, transpose)));
    try {
      return original({ inputs: { ...inputs, a, b }, attrs: { ...attrs, transposeA: false, transposeB: false }, backend });
    } finally {
      for (const t of temporaries) (backend as unknown as WasmBackend).disposeData(t.dataId);
    }
  };
}

/** Registers the fixes (once). Returns the names of the kernels it changed. */
export function applyWasmFixes(): string[] {
  if (applied) return applied;
  const changed: string[] = [];
  for (const [name, make] of Object.entries(OWN_KERNELS)) {
    if (tf.getKernel(name, "wasm")) tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: make() });
    changed.push(name);
  }
  for (const config of tf.getKernelsForBackend("cpu")) {
    const name = config.kernelName;
    if (NEEDS_COMPLEX.has(name) || tf.getKernel(name, "wasm")) continue;
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: forwardToCpu(name) });
    changed.push(name);
  }
  for (const [name, wrap] of Object.entries(WRAPPED_KERNELS)) {
    const original = tf.getKernel(name, "wasm");
    if (!original) continue;
    tf.unregisterKernel(name, "wasm");
    tf.registerKernel({ ...original, kernelFunc: wrap(original.kernelFunc) });
    changed.push(name);
  }
  const native = nativeKernels();
  if (native) {
    const served: Record<string, (fallback: KernelFunc) => KernelFunc> = {
      BatchMatMul: nativeBatchMatMul(native),
      Conv2D: nativeConv2D(native),
      FusedConv2D: nativeFusedConv2D(native),
      Add: nativeBiasAdd(native),
      Conv2DBackpropFilter: nativeConv2DBackpropFilter(native),
      Conv2DBackpropInput: nativeConv2DBackpropInput(native),
    };
    for (const [name, wrap] of Object.entries(served)) {
      const current = tf.getKernel(name, "wasm")!;
      tf.unregisterKernel(name, "wasm");
      tf.registerKernel({ ...current, kernelFunc: wrap(current.kernelFunc) });
      changed.push(`${name} (native)`);
    }
  }
  applied = changed;
  return changed;
}
