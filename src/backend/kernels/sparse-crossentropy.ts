// Sparse softmax crossentropy from logits in one kernel, as TF's
// SparseSoftmaxCrossEntropyWithLogits: per-row loss −log softmax(logits)[label] and the
// backprop softmax − onehot(label), instead of ~10 kernels forward (OneHot, Max, Sub, Exp, Sum,
// Log, Sub, Multiply, Sum, Neg) and 4 backward. The math follows tf.logSoftmax (shift by the
// row max, float32 at each step). A label outside [0, classes) gives loss 0 and backprop
// softmax, as the composed form's all-zero one-hot row does.
import { tf } from "../../tf";
import { HostKernel, hasHostKernel, registerHostKernel, runHostKernel } from "./host-kernel";

export const SPARSE_SOFTMAX_CROSSENTROPY = "ElegySparseSoftmaxCrossentropy";

const fround = Math.fround;

export const sparseSoftmaxCrossentropyKernel: HostKernel = {
  name: SPARSE_SOFTMAX_CROSSENTROPY,
  outputs: ({ logits }) => [
    { shape: logits.shape.slice(0, -1), dtype: "float32" },
    { shape: [...logits.shape], dtype: "float32" },
  ],
  compute: ({ logits, labels }, [loss, backprop]) => {
    const x = logits.values;
    const y = labels.values;
    const classes = logits.shape[logits.shape.length - 1];
    const rows = loss.length;
    for (let r = 0, base = 0; r < rows; r++, base += classes) {
      let max = x[base];
      for (let j = 1; j < classes; j++) if (x[base + j] > max) max = x[base + j];
      let sum = 0;
      for (let j = 0; j < classes; j++) {
        const e = fround(Math.exp(fround(x[base + j] - max)));
        backprop[base + j] = e;
        sum = fround(sum + e);
      }
      const logSum = fround(Math.log(sum));
      const label = y[r];
      const valid = label >= 0 && label < classes;
      loss[r] = valid ? -fround(fround(x[base + label] - max) - logSum) : 0;
      for (let j = 0; j < classes; j++) backprop[base + j] = backprop[base + j] / sum;
      if (valid) backprop[base + label] -= 1;
    }
  },
};

export const SCALE_ROWS = "ElegyScaleRows";

/** x [..., classes] with each row multiplied by its dy [...] (the crossentropy's gradient: one kernel, no Reshape). */
export const scaleRowsKernel: HostKernel = {
  name: SCALE_ROWS,
  outputs: ({ x }) => [{ shape: [...x.shape], dtype: "float32" }],
  compute: ({ dy, x }, [out]) => {
    const d = dy.values;
    const v = x.values;
    const classes = x.shape[x.shape.length - 1];
    for (let r = 0, base = 0; r < d.length; r++, base += classes) {
      const scale = d[r];
      for (let j = 0; j < classes; j++) out[base + j] = scale * v[base + j];
    }
  },
};

registerHostKernel(sparseSoftmaxCrossentropyKernel);
registerHostKernel(scaleRowsKernel);
// Differentiable like the Multiply it replaces (for gradients of gradients).
if (!tf.getGradient(SCALE_ROWS)) {
  tf.registerGradient({
    kernelName: SCALE_ROWS,
    inputsToSave: ["dy", "x"],
    gradFunc: (g, [dy, x]) => ({
      dy: () => tf.sum(tf.mul(g as tf.Tensor, x), -1),
      x: () => tf.mul(g as tf.Tensor, tf.expandDims(dy, -1)),
    }),
  });
}

/** dy [...] times each row of x [..., classes]: one kernel where the backend has it. */
function scaleRows(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (dy.dtype === "float32" && hasHostKernel(SCALE_ROWS)) return runHostKernel(SCALE_ROWS, { dy, x })[0];
  return tf.mul(tf.reshape(dy, [...dy.shape, 1]), x);
}

/**
 * Largest logits tensor the JS loop handles faster than wasm's SIMD kernels chained (the loop
 * saves ~14 launches of 5–20 µs, but costs several ns per element more than wasm's passes).
 */
const JS_LOOP_MAX_ON_WASM = 16384;

/** Whether the fused kernel serves float32 logits of `size` elements on the active backend. */
export function prefersSparseSoftmaxCrossentropy(size: number): boolean {
  return hasHostKernel(SPARSE_SOFTMAX_CROSSENTROPY) && (tf.getBackend() !== "wasm" || size <= JS_LOOP_MAX_ON_WASM);
}

/**
 * −log softmax(logits)[labels] per row (float32 logits [..., classes], int32 labels [...]),
 * differentiable in the logits: the gradient is dy · (softmax − onehot), one multiply.
 */
export function sparseSoftmaxCrossentropy(labels: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  const fused = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const [loss, backprop] = runHostKernel(SPARSE_SOFTMAX_CROSSENTROPY, { logits: x, labels });
    save([backprop]);
    return {
      value: loss,
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => scaleRows(dy, saved),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return fused(logits);
}
