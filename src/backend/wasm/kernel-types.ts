// The parts of tfjs-backend-wasm's BackendWasm that our kernels use (it exports no types
// for them): tensor data lives on the wasm heap at dataIdMap.get(dataId).memoryOffset.
import { tf } from "../../tf";

export type KernelFunc = tf.KernelConfig["kernelFunc"];
export type KernelArgs = Parameters<KernelFunc>[0];
export type TensorInfo = tf.TensorInfo;

export interface WasmBackend {
  readonly wasm: { readonly HEAPU8: Uint8Array; _malloc(bytes: number): number };
  readonly dataIdMap: { get(dataId: object): { memoryOffset: number; refCount: number } };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  readSync(dataId: object): tf.backend_util.BackendValues;
  incRef(dataId: object): void;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** A float32 view of a tensor's data on the wasm heap (valid until the heap grows). */
export function heapF32(backend: WasmBackend, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: WasmBackend, info: TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}

/** The wasm heap itself (fetch it after allocating: a growing heap replaces the buffer). */
export function heapBuffer(backend: WasmBackend): ArrayBuffer {
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}
