// A batch of rows gathered from host arrays straight into a new tensor's wasm heap memory: one
// copy per row, instead of gathering into a fresh JS array (allocated, zeroed, later
// collected) that tf.tensor then copies into the heap again. ~200 KB per MNIST batch.
import { tf } from "../../tf";
import { WasmBackend } from "./kernel-types";

type HostTypedArray = Float32Array | Int32Array | Uint8Array;

/**
 * Rows `rows` of `data` (rows of `rowSize` values) as a tensor of `shape` and `dtype`, written
 * directly on the wasm heap; undefined when the active backend is not wasm.
 */
export function wasmTensorOfRows(data: HostTypedArray, rowSize: number, rows: ArrayLike<number>, shape: number[], dtype: tf.DataType): tf.Tensor | undefined {
  if (tf.getBackend() !== "wasm") return undefined;
  const backend = tf.backend() as unknown as WasmBackend;
  const info = backend.makeOutput(shape, dtype);
  const heap = backend.typedArrayFromHeap(info);
  if (heap.constructor !== data.constructor) {
    backend.disposeData(info.dataId);
    return undefined;
  }
  for (let i = 0; i < rows.length; i++) {
    const from = rows[i] * rowSize;
    heap.set(data.subarray(from, from + rowSize), i * rowSize);
  }
  return tf.engine().makeTensorFromTensorInfo(info);
}
