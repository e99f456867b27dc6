// The running-mean kernels (wasm and cpu) against the composed scalar ops they replace: the
// loss aggregate's count, sums and means; a mean metric's weighted update and its safe mean.
import test from "node:test";
import assert from "node:assert/strict";
import { ensureBackend, losses, metrics, tf } from "elegy-ts";
import { MEAN_UPDATE, RUNNING_MEANS, SAFE_MEAN } from "../../../src/backend/kernels/running-means";
import { TensorTree, leaves } from "../../../src/tree";
import { assertClose } from "../../losses/support";
import { kernelsOf, withoutKernels } from "../../support/kernels";

const batches = [
  { y: [0, 1, 1], p: [[2, 0], [0, 1], [1, 1]] },
  { y: [1], p: [[3, -1]] },
  { y: [0, 0, 1, 1, 0], p: [[0.1, 0.2], [3, 1], [-1, 2], [0, 0], [5, 5]] },
];

/** Every log and state value after each batch, for a loss aggregate or a metric aggregate. */
function runningValues(kind: "loss" | "metric", weighted: boolean): number[][] {
  const before = tf.memory().numTensors;
  const agg = kind === "loss"
    ? losses.makeLossAggregate({ ce: losses.sparseCategoricalCrossentropy({ fromLogits: true }), l2: losses.l2Regularization(1e-2) })
    : metrics.makeMetricAggregate([metrics.sparseCategoricalAccuracy(), metrics.mean({ name: "mean_score" })]);
  const params = { w: tf.tensor2d([[1, -2], [0.5, 0]]) };
  let state: TensorTree = tf.tidy(() => agg.init() as tf.TensorContainer) as unknown as TensorTree;
  const out: number[][] = [];
  for (const b of batches) {
    const next = tf.tidy(() => {
      const batch = {
        yTrue: tf.tensor1d(b.y, "int32"), yPred: tf.tensor2d(b.p), params,
        sampleWeight: weighted ? tf.tensor1d(b.y.map((_, i) => (i % 3) * 0.5)) : undefined,
      };
      const r = agg.update(state, batch);
      out.push(Object.keys(r.logs).sort().map((k) => (r.logs[k] as tf.Tensor).dataSync()[0]));
      out.push(leaves(r.state).map((t) => t.dataSync()[0]));
      return r.state as unknown as tf.TensorContainer;
    }) as unknown as TensorTree;
    tf.dispose(leaves(state));
    state = next;
  }
  // result() of a fresh state (count 0): 0, not NaN
  out.push(tf.tidy(() => Object.values(agg.result(agg.init())).map((v) => (v as tf.Tensor).dataSync()[0])));
  tf.dispose([...leaves(state), params.w]);
  assert.equal(tf.memory().numTensors, before, `${kind}: no tensor leaked`);
  return out;
}

for (const backend of ["cpu", "wasm"]) {
  for (const kind of ["loss", "metric"] as const) {
    for (const weighted of [false, true]) {
      test(`${backend}: ${kind} aggregate${weighted ? " with sample weights (a zero one among them)" : ""}: the same running logs and states with and without the fused kernels`, async () => {
        await ensureBackend(backend, { log: () => undefined });
        const fused = runningValues(kind, weighted);
        const reference = await withoutKernels([RUNNING_MEANS, MEAN_UPDATE, SAFE_MEAN], () => runningValues(kind, weighted));
        assert.equal(fused.length, reference.length);
        fused.slice(0, -1).forEach((v, i) => assertClose(v, reference[i], 1e-6, `${kind} values ${i}`));
        const [empty, emptyReference] = [fused[fused.length - 1], reference[reference.length - 1]];
        if (kind === "metric") assert.deepEqual([empty, emptyReference], [[0, 0], [0, 0]], "the mean of nothing is 0");
        else assert.ok([...empty, ...emptyReference].every(Number.isNaN), "loss logs of nothing stay 0/0 as before");
      });
    }
  }

  test(`${backend}: one kernel per update: the loss aggregate's means, and a metric's result right after its update`, async () => {
    await ensureBackend(backend, { log: () => undefined });
    const y = tf.tensor1d([0, 1, 1], "int32");
    const p = tf.tensor2d(batches[0].p);
    const lossAgg = losses.makeLossAggregate(losses.sparseCategoricalCrossentropy({ fromLogits: true }));
    const ran = await kernelsOf(() => tf.tidy(() => void lossAgg.update(lossAgg.init(), { yTrue: y, yPred: p })));
    assert.equal(ran.filter((k) => k === RUNNING_MEANS).length, 1, ran.join(" "));
    assert.ok(ran.filter((k) => k === "RealDiv").length <= 1 && !ran.includes("Add"), `only the loss's own mean divides: ${ran.join(" ")}`);
    const metricAgg = metrics.makeMetricAggregate(metrics.sparseCategoricalAccuracy());
    const ranMetric = await kernelsOf(() => tf.tidy(() => void metricAgg.update(metricAgg.init(), { yTrue: y, yPred: p })));
    assert.ok(ranMetric.includes(MEAN_UPDATE) && !ranMetric.includes(SAFE_MEAN) && !ranMetric.includes("Select"), ranMetric.join(" "));
    tf.dispose([y, p]);
  });
}
