// Activations: plain functions, usable directly inside Sequential (nn.relu, nn.gelu, …).
// Named function declarations, so Sequential and summary can show their names.
import { tf } from "../tf";

export function relu(x: tf.Tensor): tf.Tensor {
  return tf.relu(x);
}

export function relu6(x: tf.Tensor): tf.Tensor {
  return tf.relu6(x);
}

/** Exact GELU (Keras' default, approximate = false): x · Φ(x). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** GELU's tanh approximation. */
export function geluApproximate(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

export function sigmoid(x: tf.Tensor): tf.Tensor {
  return tf.sigmoid(x);
}

export function tanh(x: tf.Tensor): tf.Tensor {
  return tf.tanh(x);
}

/** Softmax over the last axis. */
export function softmax(x: tf.Tensor): tf.Tensor {
  return tf.softmax(x, -1);
}

export function logSoftmax(x: tf.Tensor): tf.Tensor {
  return tf.logSoftmax(x, -1);
}

export function elu(x: tf.Tensor): tf.Tensor {
  return tf.elu(x);
}

export function selu(x: tf.Tensor): tf.Tensor {
  return tf.selu(x);
}

export function softplus(x: tf.Tensor): tf.Tensor {
  return tf.softplus(x);
}

/** x · sigmoid(x), also known as SiLU. */
export function swish(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}
export { swish as silu };

/** Leaky ReLU with Keras' default slope 0.2 (makeLeakyRelu for another slope). */
export function leakyRelu(x: tf.Tensor): tf.Tensor {
  return tf.leakyRelu(x, 0.2);
}

/** The slope of each leaky ReLU made here, so an export can name it (a closure hides it). */
const LEAKY_SLOPES = new WeakMap<(x: tf.Tensor) => tf.Tensor, number>([[leakyRelu, 0.2]]);

/** A leaky ReLU with slope `alpha` below zero. */
export function makeLeakyRelu(alpha: number): (x: tf.Tensor) => tf.Tensor {
  const fn = function leakyRelu(x: tf.Tensor): tf.Tensor {
    return tf.leakyRelu(x, alpha);
  };
  LEAKY_SLOPES.set(fn, alpha);
  return fn;
}

/** The slope below zero of nn.leakyRelu or a makeLeakyRelu function; undefined for any other function. */
export function leakyReluSlope(fn: (x: tf.Tensor) => tf.Tensor): number | undefined {
  return LEAKY_SLOPES.get(fn);
}

export function identity(x: tf.Tensor): tf.Tensor {
  return x;
}
