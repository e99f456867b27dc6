// fit on the seed's classifier (sparse crossentropy from logits, accuracy, Adam) with the fused
// bookkeeping kernels, against the same fit with them removed (the composed ops other backends
// run): the same History, the same trained params, and no tensor growth across epochs.
import test from "node:test";
import assert from "node:assert/strict";
import { Model, callbacks, ensureBackend, losses, metrics, nn, optimizers, tf } from "elegy-ts";
import { SCALE_ROWS, SPARSE_SOFTMAX_CROSSENTROPY } from "../../src/backend/kernels/sparse-crossentropy";
import { SPARSE_TOP1_HITS } from "../../src/backend/kernels/sparse-accuracy";
import { MEAN_UPDATE, RUNNING_MEANS, SAFE_MEAN } from "../../src/backend/kernels/running-means";
import { OPTIMIZER_STEP } from "../../src/backend/kernels/optimizer-step";
import { FILL_DIVIDED, MEAN_ALL } from "../../src/backend/kernels/mean-all";
import { leaves } from "../../src/tree";
import { assertClose } from "../losses/support";
import { countKernelCalls, withoutKernels } from "../support/kernels";

const FUSED = [SPARSE_SOFTMAX_CROSSENTROPY, SCALE_ROWS, SPARSE_TOP1_HITS, RUNNING_MEANS, MEAN_UPDATE, SAFE_MEAN, OPTIMIZER_STEP, MEAN_ALL, FILL_DIVIDED];
const EPOCHS = 3;

interface Run {
  history: Record<string, number[]>;
  params: number[];
  tensorsAfterEpoch: number[];
  fusedCalls: number;
}

async function fitOnce(weighting: "none" | "sample and class weights"): Promise<Run> {
  const x = tf.randomNormal([70, 4, 4], 0, 1, "float32", 3);
  const y = tf.tensor1d(Array.from({ length: 70 }, (_, i) => (i * 7) % 5), "int32");
  const model = new Model({
    module: new nn.Sequential([new nn.Flatten(), new nn.Linear(5)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: metrics.sparseCategoricalAccuracy(),
    optimizer: optimizers.adam(0.05),
    seed: 1,
  });
  const weights = weighting === "none" ? {} : {
    sampleWeight: tf.tensor1d(Array.from({ length: 70 }, (_, i) => (i % 4) * 0.5)),
    classWeight: [1, 0.5, 2, 1, 0],
  };
  const tensorsAfterEpoch: number[] = [];
  const fused = { calls: 0 };
  try {
    return await countKernelCalls(FUSED, fused, async () => {
      // 70 examples in batches of 32: the last batch has 6 rows.
      const history = await model.fit(x, y, {
        epochs: EPOCHS, batchSize: 32, verbose: 0, shuffle: false, ...weights,
        callbacks: [callbacks.lambda({ onEpochEnd: () => void tensorsAfterEpoch.push(tf.memory().numTensors) })],
      });
      const params = leaves(model.states.netParams).flatMap((t) => Array.from(t.dataSync()));
      return { history: history.history as Record<string, number[]>, params, tensorsAfterEpoch, fusedCalls: fused.calls };
    });
  } finally {
    tf.dispose([x, y, ...(weights.sampleWeight ? [weights.sampleWeight] : [])]);
  }
}

for (const backend of ["cpu", "wasm"]) {
  for (const weighting of ["none", "sample and class weights"] as const) {
    test(`${backend}, ${weighting}: fit with the fused bookkeeping kernels logs and trains as the composed ops do; tensors stay flat`, async () => {
      await ensureBackend(backend, { log: () => undefined });
      const fused = await fitOnce(weighting);
      const composed = await withoutKernels(FUSED, () => fitOnce(weighting));
      assert.ok(fused.fusedCalls >= 5 * 3 * EPOCHS, `the fused kernels ran (${fused.fusedCalls} calls)`);
      assert.equal(composed.fusedCalls, 0);
      assert.deepEqual(Object.keys(fused.history).sort(), ["loss", "lr", "sparse_categorical_accuracy", "sparse_categorical_crossentropy_loss"]);
      assert.deepEqual(Object.keys(fused.history).sort(), Object.keys(composed.history).sort());
      for (const [name, values] of Object.entries(fused.history)) assertClose(values, composed.history[name], 1e-5, name);
      assertClose(fused.params, composed.params, 1e-5, "trained params");
      for (const run of [fused, composed]) {
        assert.equal(new Set(run.tensorsAfterEpoch).size, 1, `tensors after each epoch: ${run.tensorsAfterEpoch.join(", ")}`);
      }
    });
  }
}
