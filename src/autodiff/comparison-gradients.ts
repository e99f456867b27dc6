// Comparisons and logical ops are piecewise constant: their gradient is zero (as in JAX).
// tfjs registers none for most of them, so any second-order gradient through an op whose
// gradient uses a comparison (LeakyReLU's, ELU's, Maximum's…) fails with "gradient function
// not found for Greater". WGAN-GP's gradient penalty needs exactly that. Registered once,
// only for kernels that have no gradient yet.
import { tf } from "../tf";

const PIECEWISE_CONSTANT_BINARY = ["Greater", "GreaterEqual", "Less", "LessEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr"];
const PIECEWISE_CONSTANT_UNARY = ["LogicalNot"];

export function registerComparisonGradients(): void {
  for (const kernelName of PIECEWISE_CONSTANT_BINARY) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ["a", "b"],
      gradFunc: (_dy, saved) => {
        const [a, b] = saved as tf.Tensor[];
        return { a: () => tf.zerosLike(a).toFloat(), b: () => tf.zerosLike(b).toFloat() };
      },
    });
  }
  for (const kernelName of PIECEWISE_CONSTANT_UNARY) {
    if (tf.getGradient(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ["x"],
      gradFunc: (_dy, saved) => {
        const [x] = saved as tf.Tensor[];
        return { x: () => tf.zerosLike(x).toFloat() };
      },
    });
  }
}
