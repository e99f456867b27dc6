// The fused mean (a loss's sum_over_batch_size reduction) and its gradient, on wasm and cpu,
// against tf.sum / size, and through the losses with and without the kernels.
import test from "node:test";
import assert from "node:assert/strict";
import { ensureBackend, losses, tf } from "elegy-ts";
import { FILL_DIVIDED, MEAN_ALL, meanAll } from "../../../src/backend/kernels/mean-all";
import { assertClose, assertNoLeak } from "../../losses/support";
import { kernelsOf, withoutKernels } from "../../support/kernels";

for (const backend of ["cpu", "wasm"]) {
  test(`${backend}: meanAll equals sum / size, forward and gradient, for any shape`, async () => {
    await ensureBackend(backend, { log: () => undefined });
    for (const shape of [[1], [64], [3, 5], [2, 3, 4]]) {
      assertNoLeak(() => tf.tidy(() => {
        const x = tf.randomNormal(shape, 0, 3, "float32", 9);
        const size = x.size;
        const composed = (t: tf.Tensor) => tf.div(tf.sum(t), size);
        assertClose(meanAll(x), composed(x), 1e-6, `${shape}: value`);
        // a non-unit upstream gradient: 3 · mean
        const g = tf.grad((t: tf.Tensor) => tf.mul(meanAll(t), 3))(x);
        assertClose(g, tf.grad((t: tf.Tensor) => tf.mul(composed(t), 3))(x), 1e-7, `${shape}: gradient`);
        assert.deepEqual(g.shape, shape);
      }), `${shape}`);
    }
    const x = tf.ones([8]);
    const ran = await kernelsOf(() => tf.tidy(() => void tf.grad((t: tf.Tensor) => meanAll(t))(x)));
    assert.ok(ran.includes(MEAN_ALL) && ran.includes(FILL_DIVIDED) && !ran.includes("RealDiv") && !ran.includes("Sum"), ran.join(" "));
    x.dispose();
  });

  test(`${backend}: losses reduced over the batch give the same values and gradients with and without the kernels`, async () => {
    await ensureBackend(backend, { log: () => undefined });
    const yTrue = tf.tensor2d([[1, 0], [0.5, 2], [3, 1]]);
    const yPred = tf.tensor2d([[1.5, 0], [0, 1], [2, 2]]);
    const sw = tf.tensor1d([1, 0, 2]);
    const run = () => [losses.meanSquaredError(), losses.meanAbsoluteError({ weight: 2 }), losses.huber()].flatMap((loss) => [
      tf.tidy(() => Array.from(loss.call(yTrue, yPred, sw).dataSync())),
      tf.tidy(() => Array.from(tf.grad((p: tf.Tensor) => loss.call(yTrue, p, sw) as tf.Scalar)(yPred).dataSync())),
    ]);
    const fused = run();
    const reference = await withoutKernels([MEAN_ALL, FILL_DIVIDED], run);
    fused.forEach((v, i) => assertClose(v, reference[i], 1e-6, `case ${i}`));
    tf.dispose([yTrue, yPred, sw]);
  });
}
