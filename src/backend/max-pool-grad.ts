// MaxPoolGrad as a direct loop over host copies, for the wasm backend: wasm's own kernel is
// wrong when a window's max is negative and there are several channels, and tfjs-cpu's is
// slow. Same semantics as tfjs: each window routes its gradient to its first maximum.
import { tf } from "../tf";

type KernelFunc = tf.KernelConfig["kernelFunc"];
type TensorInfo = tf.TensorInfo;
interface WasmLike {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): TensorInfo;
}

export function maxPoolGrad(): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
      filterSize: [number, number] | number; strides: [number, number] | number; pad: "valid" | "same" | number;
      dimRoundingMode?: "floor" | "round" | "ceil";
    };
    const b = backend as unknown as WasmLike;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const x = b.readSync(input.dataId) as Float32Array;
    const g = b.readSync(dy.dataId) as Float32Array;
    const [batch, height, width, channels] = input.shape;
    const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
    const { top, left } = info.padInfo;
    const dx = new Float32Array(x.length);
    for (let n = 0; n < batch; n++) {
      for (let oh = 0; oh < outHeight; oh++) {
        const h0 = oh * strideHeight - top;
        for (let ow = 0; ow < outWidth; ow++) {
          const w0 = ow * strideWidth - left;
          for (let c = 0; c < channels; c++) {
            let best = -Infinity;
            let at = -1;
            for (let fh = 0; fh < filterHeight; fh++) {
              const h = h0 + fh;
              if (h < 0 || h >= height) continue;
              for (let fw = 0; fw < filterWidth; fw++) {
                const w = w0 + fw;
                if (w < 0 || w >= width) continue;
                const i = ((n * height + h) * width + w) * channels + c;
                if (x[i] > best || at < 0) {
                  best = x[i];
                  at = i;
                }
              }
            }
            if (at >= 0) dx[at] += g[((n * outHeight + oh) * outWidth + ow) * channels + c];
          }
        }
      }
    }
    return b.makeOutput([...input.shape], "float32", undefined, dx);
  };
}
