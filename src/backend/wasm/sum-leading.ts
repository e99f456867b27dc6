// Sum over the leading axes (the bias gradient of every Linear/Conv layer: [batch, h, w, c] →
// [c]) as one pass over the heap. wasm's Sum first transposes the reduced axes to the end:
// a full copy of the activation gradient (11 ms of a 340 ms CNN step). Accumulates in
// float64, as tfjs-cpu does; natively when the addon is built.
import { tf } from "../../tf";
import { nativeKernels } from "#platform/native"; // the addon in Node, none in a page
import { KernelFunc, TensorInfo, WasmBackend, heapBuffer, heapF32, heapOffset } from "./kernel-types";

export function wasmSumLeadingAxes(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== "float32") return original(args);
    const backend = args.backend as unknown as WasmBackend;
    const kept = x.shape.slice(axes.length);
    const columns = tf.util.sizeFromShape(kept);
    const rows = tf.util.sizeFromShape(x.shape) / columns;
    const outShape = keepDims ? [...axes.map(() => 1), ...kept] : kept;
    const out = backend.makeOutput(outShape, "float32");
    const native = nativeKernels();
    if (native) {
      native.sumRows(heapBuffer(backend), heapOffset(backend, x), heapOffset(backend, out), rows, columns);
      return out;
    }
    const acc = new Float64Array(columns);
    const src = heapF32(backend, x);
    for (let r = 0; r < rows; r++) {
      const base = r * columns;
      for (let c = 0; c < columns; c++) acc[c] += src[base + c];
    }
    heapF32(backend, out).set(acc);
    return out;
  };
}
