// Large products computed over and over, for the test of two JS threads sharing the native
// helper thread: run on the main thread (import it) and in a worker (this file as the worker's
// script: it says "ready" once its backend is up, then runs on "go").
import { isMainThread, parentPort } from "node:worker_threads";
import { ensureBackend, tf } from "elegy-ts";

/** Integer-valued inputs, so every product is exact in float32 and any mixed-up half shows. */
export async function prepareProducts(): Promise<(rounds: number) => { wrong: number; first: number[] }> {
  await ensureBackend("wasm", { log: () => undefined });
  const a = tf.tensor2d(Array.from({ length: 64 * 784 }, (_, i) => (i % 7) - 3), [64, 784]);
  const b = tf.tensor2d(Array.from({ length: 784 * 300 }, (_, i) => (i % 5) - 2), [784, 300]);
  const expected = tf.tidy(() => tf.matMul(a, b).dataSync());
  return (rounds) => {
    let wrong = 0;
    for (let r = 0; r < rounds; r++) {
      const got = tf.tidy(() => tf.matMul(a, b).dataSync());
      if (got.some((v, i) => v !== expected[i])) wrong++;
    }
    return { wrong, first: Array.from(expected.slice(0, 3)) };
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  void prepareProducts().then((run) => {
    port.once("message", (rounds: number) => port.postMessage(run(rounds)));
    port.postMessage("ready");
  });
}
