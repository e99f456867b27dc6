// Gradient clipping as Keras' optimizer options: clipValue (each element), clipNorm (each
// gradient's own L2 norm), globalClipNorm (the L2 norm of all gradients together).
import { tf } from "../tf";
import { ElegyInputError } from "../errors";

export interface ClipOptions {
  clipValue?: number;
  clipNorm?: number;
  globalClipNorm?: number;
}

export function validateClipOptions(options: ClipOptions): void {
  for (const key of ["clipValue", "clipNorm", "globalClipNorm"] as const) {
    const v = options[key];
    if (v !== undefined && (!Number.isFinite(v) || v <= 0)) throw new ElegyInputError(`${key} must be a positive number, got ${v}.`);
  }
  const given = (["clipValue", "clipNorm", "globalClipNorm"] as const).filter((k) => options[k] !== undefined);
  if (given.length > 1) throw new ElegyInputError(`Give only one of clipValue, clipNorm, globalClipNorm (as in Keras); got ${given.join(" and ")}.`);
}

/** t * maxNorm / max(norm, maxNorm): unchanged when the norm is within bounds. */
function scaleToNorm(t: tf.Tensor, norm: tf.Tensor, maxNorm: number): tf.Tensor {
  return tf.div(tf.mul(t, maxNorm), tf.maximum(norm, maxNorm));
}

/** The gradients clipped as the (single) option given says; unchanged without one. */
export function clipGradients(grads: tf.Tensor[], options: ClipOptions): tf.Tensor[] {
  const { clipValue, clipNorm, globalClipNorm } = options;
  if (clipValue !== undefined) return grads.map((g) => tf.clipByValue(g, -clipValue, clipValue));
  if (clipNorm !== undefined) return grads.map((g) => scaleToNorm(g, tf.sqrt(tf.sum(tf.square(g))), clipNorm));
  if (globalClipNorm !== undefined && grads.length > 0) {
    const globalNorm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
    return grads.map((g) => scaleToNorm(g, globalNorm, globalClipNorm));
  }
  return grads;
}
