// Running code with some kernels unregistered from the active backend, to compare a fused
// kernel's path with the composed ops that backends without it run.
import { tf } from "../../src/tf";

/** Runs fn (sync or async) with the named kernels removed from the active backend, then puts them back. */
export async function withoutKernels<T>(names: readonly string[], fn: () => T | Promise<T>): Promise<T> {
  const backend = tf.getBackend();
  const removed = names.map((name) => tf.getKernel(name, backend)).filter((k): k is tf.KernelConfig => k !== undefined);
  if (removed.length !== names.length) throw new Error(`withoutKernels: not all of ${names.join(", ")} are registered for ${backend}`);
  for (const k of removed) tf.unregisterKernel(k.kernelName, backend);
  try {
    return await fn();
  } finally {
    for (const k of removed) tf.registerKernel(k);
  }
}

/**
 * Runs fn counting, in `counter.calls`, the calls of the named kernels registered for the active
 * backend (those not registered are skipped). The count goes through the kernel registry, where
 * replayed steps call kernels too, and is kept in `counter` so it can be read after fn throws.
 */
export async function countKernelCalls<T>(names: readonly string[], counter: { calls: number }, fn: () => T | Promise<T>): Promise<T> {
  const backend = tf.getBackend();
  const counted = names.map((name) => tf.getKernel(name, backend)).filter((k): k is tf.KernelConfig => k !== undefined);
  for (const k of counted) {
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel({ ...k, kernelFunc: (args) => (counter.calls++, k.kernelFunc(args)) });
  }
  try {
    return await fn();
  } finally {
    for (const k of counted) {
      tf.unregisterKernel(k.kernelName, backend);
      tf.registerKernel(k);
    }
  }
}

/** The names of the kernels fn runs (synchronous fn), in order. */
export async function kernelsOf(fn: () => void): Promise<string[]> {
  const info = await tf.profile(() => {
    fn();
    return [] as tf.Tensor[];
  });
  return info.kernels.map((k) => k.name);
}
