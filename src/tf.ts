// The one tfjs namespace elegy-ts runs on. Every file imports tf from here, never from
// "@tensorflow/tfjs" directly, so there is one tfjs-core instance and one place to change it.
import * as tf from "@tensorflow/tfjs";

export { tf };
export type Tensor = tf.Tensor;
export type Scalar = tf.Scalar;
