// Test support shared by the parts tests (nn, losses, metrics, optimizers).
import assert from "node:assert/strict";
import { tf } from "../../src/tf";

export async function useCpu(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}

/** Asserts two tensors (or a tensor and numbers) are equal elementwise within `tol` (absolute + relative). */
export function assertClose(actual: tf.Tensor | number | number[], expected: tf.Tensor | number | number[] | number[][], tol = 1e-5, what = ""): void {
  const a = typeof actual === "number" ? [actual] : Array.isArray(actual) ? actual : Array.from(actual.dataSync());
  const e = typeof expected === "number" ? [expected] : expected instanceof tf.Tensor ? Array.from(expected.dataSync()) : (expected as number[]).flat(4 as 1) as number[];
  assert.equal(a.length, e.length, `${what} size: got ${a.length}, expected ${e.length}`);
  a.forEach((v, i) => {
    const ok = Math.abs(v - e[i]) <= tol * (1 + Math.abs(e[i]));
    assert.ok(ok, `${what}[${i}]: got ${v}, expected ${e[i]} (tol ${tol})`);
  });
  if (actual instanceof tf.Tensor && expected instanceof tf.Tensor) {
    assert.deepEqual(actual.shape, expected.shape, `${what} shape`);
  }
}

/** Runs fn and asserts it leaves no tensor behind (everything it creates is disposed or returned and disposed here). */
export function assertNoLeak(fn: () => void, what = "the test body"): void {
  const before = tf.memory().numTensors;
  fn();
  const after = tf.memory().numTensors;
  assert.equal(after, before, `${what} leaked ${after - before} tensors`);
}

/** Runs fn inside tf.tidy and returns its numbers (the tensor is disposed). */
export function value(fn: () => tf.Tensor): number[] {
  return tf.tidy(() => Array.from(fn().dataSync()));
}

/** tf.tidy for any value holding tensors (trees, tuples). */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as unknown as T;
}
