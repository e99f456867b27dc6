// The one tfjs namespace elegy-ts runs on. Every file imports tf from here, never from
// "@tensorflow/tfjs" directly, so there is one tfjs-core instance and one place to change it.
import * as tf from "@tensorflow/tfjs";

export { tf };
export type Tensor = tf.Tensor;
export type Scalar = tf.Scalar;

// tfjs's cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js…" on its
// first tensor. elegy-ts chooses the backend itself and says which in its own line, so the
// advert is switched off for every cpu backend instance (the flag lives on the instance; an
// accessor on its prototype makes the constructor's `firstUse = true` a no-op).
const cpuFactory = tf.findBackendFactory("cpu");
if (cpuFactory) {
  const probe = cpuFactory() as tf.KernelBackend;
  const prototype = Object.getPrototypeOf(probe) as object;
  if (!Object.getOwnPropertyDescriptor(prototype, "firstUse")) {
    Object.defineProperty(prototype, "firstUse", { get: () => false, set: () => undefined, configurable: true });
  }
  const existing = (tf.engine().registry as Record<string, tf.KernelBackend | undefined>).cpu;
  if (existing) (existing as unknown as { firstUse: boolean }).firstUse = false;
  probe.dispose();
}
