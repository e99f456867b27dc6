// The fused sparse top-1 hits kernel (wasm and cpu) against ArgMax, Equal and Cast, ties
// and NaN broken as tfjs breaks them, and sparseCategoricalAccuracy with and without it.
import test from "node:test";
import assert from "node:assert/strict";
import { ensureBackend, metrics, tf } from "elegy-ts";
import { SPARSE_TOP1_HITS, canSparseTop1Hits, sparseTop1Hits } from "../../../src/backend/kernels/sparse-accuracy";
import { MEAN_UPDATE } from "../../../src/backend/kernels/running-means";
import { assertClose, assertNoLeak } from "../../losses/support";
import { kernelsOf, withoutKernels } from "../../support/kernels";

const composed = (labels: tf.Tensor, scores: tf.Tensor) => tf.cast(tf.equal(labels, tf.argMax(scores, -1)), "float32");

for (const backend of ["cpu", "wasm"]) {
  test(`${backend}: top-1 hits equal argMax/equal/cast, ties and NaN included`, async () => {
    await ensureBackend(backend, { log: () => undefined });
    assertNoLeak(() => tf.tidy(() => {
      const scores = tf.tensor2d([
        [1, 3, 3, 0], [1, 3, 3, 0], [5, 5, 5, 5], [5, 5, 5, 5], [-2, -1, -1, -3], [NaN, 1, 2, 3], [1, NaN, 2, 0], [0, 0, 0, 1],
      ]);
      const labels = tf.tensor1d([1, 2, 0, 3, 1, 0, 2, 3], "int32");
      const expected = composed(labels, scores);
      assertClose(sparseTop1Hits(labels, scores), expected, 0, "hits");
      // tfjs gives ties to the first maximum; the table documents it as this kernel reads it.
      assert.deepEqual(Array.from(expected.dataSync()), [1, 0, 1, 0, 1, 1, 1, 1]);
      const seq = tf.randomNormal([3, 5, 4], 0, 1, "float32", 2);
      const seqLabels = tf.tensor2d([[0, 1, 2, 3, 0], [1, 1, 1, 1, 1], [3, 2, 1, 0, 3]], [3, 5], "int32");
      assertClose(sparseTop1Hits(seqLabels, seq), composed(seqLabels, seq), 0, "rank 3");
      assert.equal(canSparseTop1Hits(tf.tensor1d([1, 2], "int32"), scores), false, "labels of another batch size are left to the composed ops");
    }));
  });

  test(`${backend}: sparseCategoricalAccuracy gives the same running values with and without the fused kernels (weights, zero weights, one row)`, async () => {
    await ensureBackend(backend, { log: () => undefined });
    const batches = [
      { y: [0, 2, 1, 1], p: tf.randomNormal([4, 3], 0, 1, "float32", 1), sw: [1, 0.5, 2, 0] },
      { y: [2], p: tf.tensor2d([[0.1, 0.1, 0.2]]), sw: [3] },
      { y: [0, 0], p: tf.tensor2d([[1, 1, 0], [0, 1, 1]]), sw: [0, 0] },
      { y: [1, 2, 0], p: tf.randomNormal([3, 3], 0, 1, "float32", 4), sw: [1, 1, 1] },
    ];
    const classWeight = tf.tensor1d([0.5, 2, 1]);
    const run = () => {
      const out: number[][] = [];
      for (const weighting of ["none", "sample", "class", "zero first"] as const) {
        const metric = metrics.sparseCategoricalAccuracy();
        let state = metric.init();
        // all-zero weights first: the mean stays 0 (divide_no_nan) until a weight arrives
        const order = weighting === "zero first" ? [batches[2], ...batches] : batches;
        for (const b of order) {
          const next = tf.tidy(() => {
            const y = tf.tensor1d(b.y, "int32");
            const sw = weighting === "none" || weighting === "class" ? undefined : tf.tensor1d(b.sw);
            return metric.update(state, { yTrue: y, yPred: b.p, sampleWeight: sw, classWeight: weighting === "class" ? classWeight : undefined });
          });
          tf.dispose(Object.values(state));
          state = next;
          out.push(tf.tidy(() => Array.from(metric.result(state).dataSync())));
        }
        tf.dispose(Object.values(state));
      }
      return out;
    };
    const before = tf.memory().numTensors;
    const fused = run();
    assert.equal(tf.memory().numTensors, before, "no tensor leaked");
    const reference = await withoutKernels([SPARSE_TOP1_HITS, MEAN_UPDATE], run);
    fused.forEach((v, i) => assertClose(v, reference[i], 1e-6, `running value ${i}`));
    assert.equal(fused[12][0], 0, "all-zero weights: 0, not NaN");
    const y = tf.tensor1d(batches[0].y, "int32");
    const ran = await kernelsOf(() => tf.tidy(() => void metrics.sparseCategoricalAccuracy().call(y, batches[0].p)));
    assert.ok(ran.includes(SPARSE_TOP1_HITS) && ran.includes(MEAN_UPDATE) && !ran.includes("ArgMax"), ran.join(" "));
    tf.dispose([y, classWeight, ...batches.map((b) => b.p)]);
  });
}
