// The fused sparse softmax crossentropy kernel (wasm and cpu) against the composed ops it
// replaces (what backends without it run), forward and gradient, through the loss objects too.
import test from "node:test";
import assert from "node:assert/strict";
import { ensureBackend, losses, tf } from "elegy-ts";
import { SCALE_ROWS, SPARSE_SOFTMAX_CROSSENTROPY, sparseSoftmaxCrossentropy } from "../../../src/backend/kernels/sparse-crossentropy";
import { runHostKernel } from "../../../src/backend/kernels/host-kernel";
import { assertClose, assertNoLeak } from "../../losses/support";
import { kernelsOf, withoutKernels } from "../../support/kernels";

/** −Σ onehot · logSoftmax, as the loss composed it before the kernel. */
function composed(labels: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  const classes = logits.shape[logits.rank - 1]!;
  return tf.neg(tf.sum(tf.mul(tf.oneHot(labels, classes, 1, 0, "float32"), tf.logSoftmax(logits, -1)), -1));
}

const cases: Array<[string, () => [tf.Tensor, tf.Tensor]]> = [
  ["ties, large logits, first and last class", () => [
    tf.tensor1d([0, 3, 1, 2, 3], "int32"),
    tf.tensor2d([[1, 1, 1, 1], [1000, -1000, 0, 3], [-50, 2, 2, -50], [0.3, -0.2, 0.1, 0.7], [-1e4, 0, 1e4, 1e4]]),
  ]],
  ["one row", () => [tf.tensor1d([2], "int32"), tf.tensor2d([[0.5, -1, 3, 0]])]],
  ["rank 3 (sequences)", () => [tf.tensor2d([[0, 1, 2], [3, 3, 0]], [2, 3], "int32"), tf.randomNormal([2, 3, 4], 0, 3, "float32", 7)]],
  ["labels outside [0, classes): loss 0, as the all-zero one-hot row", () => [tf.tensor1d([-1, 4, 1], "int32"), tf.randomNormal([3, 4], 0, 1, "float32", 8)]],
];

for (const backend of ["cpu", "wasm"]) {
  test(`${backend}: the fused kernel equals the composed ops, forward and gradient`, async () => {
    await ensureBackend(backend, { log: () => undefined });
    for (const [what, make] of cases) {
      assertNoLeak(() => tf.tidy(() => {
        const [labels, logits] = make();
        const weights = tf.randomUniform(labels.shape, 0, 2, "float32", 3);
        assertClose(sparseSoftmaxCrossentropy(labels, logits), composed(labels, logits), 1e-6, `${what}: value`);
        const weighted = (f: typeof composed) => (x: tf.Tensor) => tf.sum(tf.mul(f(labels, x), weights));
        // The closed form the loss has used (softmax − onehot)·dy: for in-range labels exactly
        // the composed ops' gradient; for out-of-range ones (no one-hot) it stays softmax·dy.
        const closedForm = tf.mul(tf.expandDims(weights, -1), tf.sub(tf.softmax(logits), tf.oneHot(labels, logits.shape[logits.rank - 1]!, 1, 0, "float32")));
        const grad = tf.grad(weighted(sparseSoftmaxCrossentropy))(logits);
        assertClose(grad, closedForm, 1e-6, `${what}: gradient`);
        if (!what.startsWith("labels outside")) assertClose(grad, tf.grad(weighted(composed))(logits), 1e-6, `${what}: gradient of the composed ops`);
      }), what);
    }
    const [labels, logits] = cases[0][1]();
    const ran = await kernelsOf(() => tf.tidy(() => void tf.grad((x: tf.Tensor) => tf.sum(sparseSoftmaxCrossentropy(labels, x)))(logits)));
    assert.equal(ran.filter((k) => k === SPARSE_SOFTMAX_CROSSENTROPY).length, 1, `one fused kernel: ${ran.join(" ")}`);
    assert.equal(ran.filter((k) => k === SCALE_ROWS).length, 1, `the gradient is one kernel: ${ran.join(" ")}`);
    assert.ok(!ran.some((k) => ["Exp", "Log", "OneHot", "Max", "ExpandDims"].includes(k)), `nothing composed ran: ${ran.join(" ")}`);
    tf.dispose([labels, logits]);
  });

  test(`${backend}: sparseCategoricalCrossentropy from logits: the same losses and gradients with and without the kernel (weights, class weights, reductions)`, async () => {
    await ensureBackend(backend, { log: () => undefined });
    const labels = tf.tensor1d([0, 2, 1, 1, 2, 0], "int32");
    const floatLabels = tf.tensor2d([0, 2, 1, 1, 2, 0], [6, 1]);
    const logits = tf.randomNormal([6, 3], 0, 2, "float32", 11);
    const sampleWeight = tf.tensor1d([1, 0.5, 2, 0, 1, 3]);
    const zeros = tf.zeros([6]);
    const classWeight = tf.tensor1d([0.5, 2, 1]);
    const variants: Array<[string, () => tf.Tensor]> = [];
    for (const reduction of ["sum_over_batch_size", "sum", "none"] as const) {
      const loss = losses.sparseCategoricalCrossentropy({ fromLogits: true, reduction });
      const lossOf = (x: tf.Tensor, sw?: tf.Tensor, cw?: tf.Tensor, y: tf.Tensor = labels) => tf.sum(loss.call(y, x, sw, cw));
      variants.push(
        [`${reduction}`, () => lossOf(logits)],
        [`${reduction}, sample weights`, () => lossOf(logits, sampleWeight)],
        [`${reduction}, all-zero weights`, () => lossOf(logits, zeros)],
        [`${reduction}, class weights and sample weights`, () => lossOf(logits, sampleWeight, classWeight)],
        [`${reduction}, float [batch, 1] labels`, () => lossOf(logits, undefined, undefined, floatLabels)],
        [`${reduction}, gradient`, () => tf.grad((x: tf.Tensor) => lossOf(x, sampleWeight, classWeight))(logits)],
        [`${reduction}, gradient, one row`, () => tf.grad((x: tf.Tensor) => lossOf(x, undefined, undefined, tf.tensor1d([1], "int32")))(tf.slice(logits, 0, 1))],
      );
    }
    const run = () => variants.map(([, f]) => tf.tidy(() => Array.from(f().dataSync())));
    const fused = run();
    const reference = await withoutKernels([SPARSE_SOFTMAX_CROSSENTROPY, SCALE_ROWS], run);
    variants.forEach(([what], i) => assertClose(fused[i], reference[i], 2e-6, what));
    tf.dispose([labels, floatLabels, logits, sampleWeight, zeros, classWeight]);
  });
}

for (const backend of ["cpu", "wasm"]) {
  test(`${backend}: the gradient's row scaling equals dy[..., None] · x, and is differentiable as that product`, async () => {
    await ensureBackend(backend, { log: () => undefined });
    assertNoLeak(() => tf.tidy(() => {
      const dy = tf.tensor2d([[0.5, -2, 0], [1, 3, 0.25]]);
      const x = tf.randomNormal([2, 3, 4], 0, 1, "float32", 6);
      const composedScale = (d: tf.Tensor, v: tf.Tensor) => tf.mul(tf.expandDims(d, -1), v);
      const fusedScale = (d: tf.Tensor, v: tf.Tensor) => runHostKernel(SCALE_ROWS, { dy: d, x: v })[0];
      assertClose(fusedScale(dy, x), composedScale(dy, x), 0, "value");
      const weights = tf.randomNormal([2, 3, 4], 0, 1, "float32", 7);
      const objective = (f: typeof composedScale) => (d: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(f(d, v), weights));
      const [gd, gx] = tf.grads(objective(fusedScale))([dy, x]);
      const [cd, cx] = tf.grads(objective(composedScale))([dy, x]);
      assertClose(gd, cd, 1e-6, "gradient in dy");
      assertClose(gx, cx, 1e-6, "gradient in x");
    }));
  });
}

test("wasm: logits beyond the JS loop's size run wasm's composed kernels", async () => {
  await ensureBackend("wasm", { log: () => undefined });
  const logits = tf.randomNormal([200, 100], 0, 1, "float32", 5);
  const labels = tf.tensor1d(Array.from({ length: 200 }, (_, i) => i % 100), "int32");
  const loss = losses.sparseCategoricalCrossentropy({ fromLogits: true });
  const ran = await kernelsOf(() => tf.tidy(() => void loss.call(labels, logits)));
  assert.ok(!ran.includes(SPARSE_SOFTMAX_CROSSENTROPY) && ran.includes("Exp"), ran.join(" "));
  tf.dispose([logits, labels]);
});
