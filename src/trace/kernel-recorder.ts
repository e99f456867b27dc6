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
  /** Kernels ran that the recording could not see (now wrapped): the next recording may succeed. */
  missedKernels: boolean;
}

/** A backend as recording and replay use it: `write` makes a buffer from host values (or an empty one). */
export type WritableBackend = tf.KernelBackend & {
  write(values: tf.BackendValues | null, shape: number[], dtype: tf.DataType): DataId;
};

function ref(info: tf.TensorInfo): TensorRef {
  return { dataId: info.dataId, shape: [...info.shape], dtype: info.dtype };
}

/** A copy of host values (a typed array, or the byte arrays of a string tensor). */
export function copyValues(values: tf.BackendValues | null): tf.BackendValues | null {
  if (values === null || values === undefined) return null;
  if (ArrayBuffer.isView(values)) return (values as Float32Array).slice();
  return (values as Uint8Array[]).map((bytes) => bytes.slice());
}

/** The recording under way (steps run one at a time on one thread), and how deep in kernels it is. */
let active: Recording | undefined;
let depth = 0;
/** Backends whose registered kernels were all wrapped at the last scan. */
const wrappedBackends = new Set<string>();
const wrappers = new WeakSet<tf.KernelFunc>();

/**
 * Wraps every kernel registered for `backendName` that is not wrapped yet (the registry scan
 * costs milliseconds, so it runs again only after a recording met a kernel it could not see:
 * one registered, or put back unwrapped, since the last scan). A wrapped kernel records its
 * call while a recording is under way and is a plain call otherwise.
 */
function wrapKernels(backendName: string): void {
  if (wrappedBackends.has(backendName)) return;
  wrappedBackends.add(backendName);
  for (const config of tf.getKernelsForBackend(backendName)) {
    if (wrappers.has(config.kernelFunc)) continue;
    const inner = config.kernelFunc;
    const wrapper: tf.KernelFunc = (args) => {
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
    };
    wrappers.add(wrapper);
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({ ...config, kernelFunc: wrapper });
  }
}

/**
 * Runs `fn` with the active backend's kernel calls, host writes and reads recorded. The
 * backend is left as it was, whether `fn` returns or throws.
 */
export function recordKernels<T>(fn: () => T): { result: T; recording: Recording } {
  if (active !== undefined) throw new Error("recordKernels: a recording is already under way");
  wrapKernels(tf.getBackend());
  const backend = tf.backend() as WritableBackend;
  const recording: Recording = { calls: [], writes: [], refusal: undefined, missedKernels: false };

  // Host traffic outside kernels: a write is a constant (or a value computed in JavaScript,
  // which the comparison of two recordings finds); a read lets JavaScript depend on data.
  const ownWrite = Object.prototype.hasOwnProperty.call(backend, "write");
  const write = backend.write;
  backend.write = function (this: WritableBackend, values, shape, dtype) {
    const dataId = write.call(this, values, shape, dtype);
    // Tensors made from host values always have values; a buffer allocated empty outside a recorded kernel was an unrecorded kernel's.
    if (depth === 0 && (values === null || values === undefined)) recording.refusal ??= "it ran a kernel elegy-ts could not record";
    if (depth === 0) recording.writes.push({ dataId, beforeCall: recording.calls.length, values: copyValues(values), shape: [...shape], dtype });
    return dataId;
  };
  // Every kernel an op launches passes the engine's runKernel: more launches there than
  // recorded calls means a kernel ran unwrapped (registered or put back since the last scan).
  const engine = tf.engine() as unknown as { runKernel(...args: unknown[]): unknown };
  const ownRunKernel = Object.prototype.hasOwnProperty.call(engine, "runKernel");
  const runKernel = engine.runKernel;
  let launches = 0;
  engine.runKernel = function (this: unknown, ...args: unknown[]) {
    if (depth === 0) launches++;
    return runKernel.apply(this, args);
  };
  const ownReadSync = Object.prototype.hasOwnProperty.call(backend, "readSync");
  const readSync = backend.readSync;
  backend.readSync = function (this: tf.KernelBackend, dataId: DataId, ...rest: unknown[]) {
    if (depth === 0) recording.refusal ??= "it reads a tensor's values (dataSync, arraySync or similar) while it runs";
    return (readSync as (...a: unknown[]) => tf.BackendValues).call(this, dataId, ...rest);
  };

  active = recording;
  try {
    const result = fn();
    if (launches !== recording.calls.length) {
      recording.missedKernels = true;
      wrappedBackends.delete(tf.getBackend());
    }
    return { result, recording };
  } finally {
    active = undefined;
    if (ownRunKernel) engine.runKernel = runKernel;
    else delete (engine as Partial<typeof engine>).runKernel;
    if (ownWrite) backend.write = write;
    else delete (backend as Partial<WritableBackend>).write;
    if (ownReadSync) backend.readSync = readSync;
    else delete (backend as Partial<tf.KernelBackend>).readSync;
  }
}
