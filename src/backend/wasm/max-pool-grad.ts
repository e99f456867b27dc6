// MaxPoolGrad as a direct loop over the wasm heap: wasm's own kernel is wrong when a window's
// max is negative and there are several channels, and tfjs-cpu's is slow. Same semantics as
// tfjs: each window routes its gradient to its first maximum. Channels are innermost (NHWC),
// so each window is scanned tap by tap over a contiguous run of channels. Natively when the
// addon is built (the same loop in C++).
import { tf } from "../../tf";
import { nativeKernels } from "#platform/native"; // the addon in Node, none in a page
import { KernelFunc, TensorInfo, WasmBackend, heapBuffer, heapF32, heapOffset } from "./kernel-types";

export function maxPoolGrad(): KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
      filterSize: [number, number] | number; strides: [number, number] | number; pad: "valid" | "same" | number;
      dimRoundingMode?: "floor" | "round" | "ceil";
    };
    const b = backend as unknown as WasmBackend;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const [batch, height, width, channels] = input.shape;
    const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
    const { top, left } = info.padInfo;
    const out = b.makeOutput([...input.shape], "float32");
    const native = nativeKernels();
    if (native) {
      native.maxPoolGrad(heapBuffer(b), heapOffset(b, input), heapOffset(b, dy), heapOffset(b, out),
        batch, height, width, channels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, top, left);
      return out;
    }
    const x = heapF32(b, input);
    const g = heapF32(b, dy);
    const dx = heapF32(b, out);
    dx.fill(0);
    const best = new Float32Array(channels);
    const at = new Int32Array(channels);
    for (let n = 0; n < batch; n++) {
      for (let oh = 0; oh < outHeight; oh++) {
        const h0 = oh * strideHeight - top;
        for (let ow = 0; ow < outWidth; ow++) {
          const w0 = ow * strideWidth - left;
          at.fill(-1);
          for (let fh = 0; fh < filterHeight; fh++) {
            const h = h0 + fh;
            if (h < 0 || h >= height) continue;
            for (let fw = 0; fw < filterWidth; fw++) {
              const w = w0 + fw;
              if (w < 0 || w >= width) continue;
              const base = ((n * height + h) * width + w) * channels;
              for (let c = 0; c < channels; c++) {
                const v = x[base + c];
                if (v > best[c] || at[c] < 0) {
                  best[c] = v;
                  at[c] = base + c;
                }
              }
            }
          }
          const gBase = ((n * outHeight + oh) * outWidth + ow) * channels;
          for (let c = 0; c < channels; c++) if (at[c] >= 0) dx[at[c]] += g[gBase + c];
        }
      }
    }
    return out;
  };
}
