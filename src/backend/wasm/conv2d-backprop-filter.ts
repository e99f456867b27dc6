// Conv2DBackpropFilter for the wasm backend, built from wasm's own fast kernels instead of
// tfjs-cpu's loop (~1 s per MNIST batch). The filter gradient is itself a convolution:
//   dW[kh, kw, ci, co] = Σ_b,h,w x[b, h·s + kh, w·s + kw, ci] · dy[b, h, w, co]
// i.e. conv2d(xᵀ: [Ci, H, W, B], dyᵀ: [Ho, Wo, B, Co], dilation = stride) → [Ci, kh, kw, Co].
import { tf } from "../../tf";

type KernelFunc = tf.KernelConfig["kernelFunc"];
type TensorInfo = tf.TensorInfo;

export function wasmConv2DBackpropFilter(): KernelFunc {
  const kernel = (name: string) => tf.getKernel(name, "wasm")!.kernelFunc;
  const [transpose, conv2d, pad, slice] = ["Transpose", "Conv2D", "PadV2", "Slice"].map(kernel);
  return ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad: padding, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
      strides: [number, number] | number; pad: "valid" | "same" | number; dataFormat: "NHWC" | "NCHW";
      dimRoundingMode?: "floor" | "round" | "ceil"; filterShape: [number, number, number, number];
    };
    if (dataFormat === "NCHW") throw new Error("Conv2DBackpropFilter on wasm supports NHWC only.");
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, padding, dimRoundingMode);
    const temporaries: TensorInfo[] = [];
    const run = (f: KernelFunc, kernelInputs: Record<string, TensorInfo>, kernelAttrs: object): TensorInfo => {
      const out = f({ inputs: kernelInputs, attrs: kernelAttrs as never, backend }) as TensorInfo;
      temporaries.push(out);
      return out;
    };
    try {
      const { top, bottom, left, right } = info.padInfo;
      const padded = top || bottom || left || right
        ? run(pad, { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 })
        : x;
      const xT = run(transpose, { x: padded }, { perm: [3, 1, 2, 0] });
      const dyT = run(transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      const full = run(conv2d, { x: xT, filter: dyT }, {
        strides: [1, 1], pad: "valid", dataFormat: "NHWC", dilations: [info.strideHeight, info.strideWidth], dimRoundingMode,
      });
      // Rows/columns of padding that no output window reached give extra taps: cut them off.
      const [kh, kw] = [info.filterHeight, info.filterWidth];
      const cut = full.shape[1] === kh && full.shape[2] === kw
        ? full
        : run(slice, { x: full }, { begin: [0, 0, 0, 0], size: [full.shape[0], kh, kw, full.shape[3]] });
      const result = transpose({ inputs: { x: cut }, attrs: { perm: [1, 2, 0, 3] } as never, backend }) as TensorInfo;
      return result;
    } finally {
      for (const t of temporaries) (backend as unknown as { disposeData(id: object): void }).disposeData(t.dataId);
    }
  };
}
