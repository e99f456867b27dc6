// Records what one step asks of the backend: every kernel it launches (through tfjs's
// engine: ops, gradients, the tape's clones), every tensor it makes from host values, and
// whether it read any tensor back. A kernel that calls another kernel's function (a fused
// kernel falling back to a registered one) is recorded once, as the outer call.
import { tf } from "../tf";

export type DataId = object;

/** What a kernel sees of a tensor: its buffer's id, shape and dtype. */
export interface TensorRef {
  readonly dataId: DataId;
  readonly shape: readonly number[];
  readonly dtype: tf.DataType;
}

export interface KernelCall {
  readonly kernelName: string;
  /** The function that ran (the registered one at recording time; a profiler's wrapper included). */
  readonly kernelFunc: tf.KernelFunc;
  /** Input names in the order the op passed them, with what each referred to. */
  readonly inputNames: readonly string[];
  readonly inputs: readonly (TensorRef | null)[];
  /** Whether the op passed its inputs as an array (Concat, AddN) rather than by name. */
  readonly inputsAsArray: boolean;
  readonly attrs: tf.NamedAttrMap | undefined;
  readonly outputs: readonly TensorRef[];
}

/** A tensor made from host values during the step (a constant such as `tf.scalar(2)` or ones for a gradient's seed). */
export interface HostWrite {
  readonly dataId: DataId;
  /** How many kernel calls had been recorded when it was made. */
  readonly beforeCall: number;
  readonly values: tf.BackendValues | null;
  readonly shape: readonly number[];
  readonly dtype: tf.DataType;
}

export interface Recording {
  readonly calls: KernelCall[];
  readonly writes: HostWrite[];
  /** Why this step cannot be replayed, when it cannot (first reason seen). */
  refusal: string | undefined;
}

type Writable = tf.KernelBackend & {
  write(values: tf.BackendValues | null, shape: number[], dtype: tf.DataType): DataId;
};

function ref(info: tf.TensorInfo): TensorRef {
  return { dataId: info.dataId, shape: [...info.shape], dtype: info.dtype };
}

function copyValues(values: tf.BackendValues | null): tf.BackendValues | null {
  if (values === null || values === undefined) return null;
  if (ArrayBuffer.isView(values)) return (values as Float32Array).slice();
  return (values as Uint8Array[]).map((bytes) => bytes.slice());
}

/** The recording under way (steps run one at a time on one thread), and how deep in kernels it is. */
let active: Recording | undefined;
let depth = 0;
const wrappedBackends = new Set<string>();

/**
 * Wraps every kernel registered for `backendName` (once per backend: the registry scan costs
 * milliseconds): a wrapped kernel records its call while a recording is under way and is a
 * plain call otherwise. A kernel registered later is not wrapped; a step using it finds its
 * outputs unexplained, which the program refuses, so it runs eagerly.
 */
function wrapKernels(backendName: string): void {
  if (wrappedBackends.has(backendName)) return;
  wrappedBackends.add(backendName);
  for (const config of tf.getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const recording = active;
        if (recording === undefined || depth > 0) return inner(args);
        depth++;
        let out: tf.TensorInfo | tf.TensorInfo[];
        try {
          out = inner(args);
        } finally {
          depth--;
        }
        const given = args.inputs as unknown as Record<string, tf.TensorInfo | null> | tf.TensorInfo[];
        const inputNames = Object.keys(given);
        recording.calls.push({
          kernelName: config.kernelName,
          kernelFunc: inner,
          inputNames,
          inputs: inputNames.map((name) => {
            const info = (given as Record<string, tf.TensorInfo | null>)[name];
            return info == null ? null : ref(info);
          }),
          inputsAsArray: Array.isArray(given),
          attrs: args.attrs,
          outputs: (Array.isArray(out) ? out : [out]).map(ref),
        });
        return out;
      },
    });
  }
}

/**
 * Runs `fn` with the active backend's kernel calls, host writes and reads recorded. The
 * backend is left as it was, whether `fn` returns or throws.
 */
export function recordKernels<T>(fn: () => T): { result: T; recording: Recording } {
  if (active !== undefined) throw new Error("recordKernels: a recording is already under way");
  wrapKernels(tf.getBackend());
  const backend = tf.backend() as Writable;
  const recording: Recording = { calls: [], writes: [], refusal: undefined };

  // Host traffic outside kernels: a write is a constant (or a value computed in JavaScript,
  // which the comparison of two recordings finds); a read lets JavaScript depend on data.
  const ownWrite = Object.prototype.hasOwnProperty.call(backend, "write");
  const write = backend.write;
  backend.write = function (this: Writable, values, shape, dtype) {
    const dataId = write.call(this, values, shape, dtype);
    if (depth === 0) recording.writes.push({ dataId, beforeCall: recording.calls.length, values: copyValues(values), shape: [...shape], dtype });
    return dataId;
  };
  const ownReadSync = Object.prototype.hasOwnProperty.call(backend, "readSync");
  const readSync = backend.readSync;
  backend.readSync = function (this: tf.KernelBackend, dataId: DataId, ...rest: unknown[]) {
    if (depth === 0) recording.refusal ??= "it reads a tensor's values (dataSync, arraySync or similar) while it runs";
    return (readSync as (...a: unknown[]) => tf.BackendValues).call(this, dataId, ...rest);
  };

  active = recording;
  try {
    return { result: fn(), recording };
  } finally {
    active = undefined;
    if (ownWrite) backend.write = write;
    else delete (backend as Partial<Writable>).write;
    if (ownReadSync) backend.readSync = readSync;
    else delete (backend as Partial<tf.KernelBackend>).readSync;
  }
}
