// The mean of every value of a tensor (a loss's "sum_over_batch_size" reduction) in one
// kernel, and its gradient (dy / size everywhere) in one more, instead of Sum and RealDiv
// forward and RealDiv, Cast, Reshape and Multiply backward (plus the tape's clones of
// RealDiv's inputs). Float32 rounding as the composed ops: a sequential float32 sum, then
// one division.
import { tf } from "../../tf";
import { HostKernel, hasHostKernel, registerHostKernel, runHostKernel } from "./host-kernel";

export const MEAN_ALL = "ElegyMeanAll";
export const FILL_DIVIDED = "ElegyFillDivided";

export const meanAllKernel: HostKernel<{ divisor: number }> = {
  name: MEAN_ALL,
  outputs: () => [{ shape: [], dtype: "float32" }],
  compute: ({ x }, [out], { divisor }) => {
    const v = x.values;
    let sum = 0;
    for (let i = 0; i < v.length; i++) sum = Math.fround(sum + v[i]);
    out[0] = Math.fround(sum / divisor);
  },
};

/** A tensor of `shape` holding dy / divisor (dy a float32 scalar). */
export const fillDividedKernel: HostKernel<{ shape: number[]; divisor: number }> = {
  name: FILL_DIVIDED,
  outputs: (_inputs, { shape }) => [{ shape: [...shape], dtype: "float32" }],
  compute: ({ dy }, [out], { divisor }) => {
    out.fill(Math.fround(dy.values[0] / divisor));
  },
};

registerHostKernel(meanAllKernel);
registerHostKernel(fillDividedKernel);

/** Largest tensor the JS sum beats wasm's Sum + RealDiv on (launches saved vs ~1 ns/element more). */
const JS_LOOP_MAX_ON_WASM = 16384;

/** Whether meanAll serves `values` on the active backend. */
export function prefersMeanAll(values: tf.Tensor): boolean {
  return values.dtype === "float32" && values.size > 0 && hasHostKernel(MEAN_ALL) && hasHostKernel(FILL_DIVIDED) &&
    (tf.getBackend() !== "wasm" || values.size <= JS_LOOP_MAX_ON_WASM);
}

/** Σ values / values.size, differentiable (check prefersMeanAll() first). */
export function meanAll(values: tf.Tensor): tf.Scalar {
  const divisor = values.size;
  const shape = [...values.shape];
  const fused = tf.customGrad(((x: tf.Tensor) => ({
    value: runHostKernel(MEAN_ALL, { x }, { divisor })[0],
    gradFunc: (dy: tf.Tensor) => runHostKernel(FILL_DIVIDED, { dy: dy.dtype === "float32" ? dy : tf.cast(dy, "float32") }, { shape, divisor })[0],
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return fused(values) as tf.Scalar;
}
