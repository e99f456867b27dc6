// fit(x, y, { replicas }): data-parallel training across worker threads. The numbers must be
// those of one thread up to float summation order; what cannot be split is refused.
import test from "node:test";
import assert from "node:assert/strict";
import { Model, callbacks, ensureBackend, losses, nn, optimizers, tf } from "elegy-ts";
import { replicaStats } from "../../src/parallel/data-parallel";
import { SmallAdamMLP, SmallMLP } from "../support/parallel-models";

/** Seeded images [n, 8, 8] and labels whose class depends on the pixels (so there is something to learn). */
function data(n: number, seed = 3): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 8, 8], 0, 1, "float32", seed);
    const y = tf.argMax(tf.matMul(x.reshape([n, 64]), tf.randomNormal([64, 10], 0, 1, "float32", seed + 1)), -1).toInt();
    return { x, y };
  });
}

function flatParams(model: Model): Float32Array[] {
  const out: Float32Array[] = [];
  const visit = (t: unknown): void => {
    if (t instanceof tf.Tensor) out.push(t.dataSync() as Float32Array);
    else if (t && typeof t === "object") for (const k of Object.keys(t).sort()) visit((t as Record<string, unknown>)[k]);
  };
  visit(model.states.netParams);
  return out;
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((leaf, i) => leaf.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - b[i][k])))));
  return worst;
}

test("replicas: 2 gives the params and epoch logs of one thread (SGD, same batches)", async () => {
  await ensureBackend("wasm");
  const { x, y } = data(200);
  const one = new SmallMLP({ seed: 7 });
  const two = new SmallMLP({ seed: 7 });
  const h1 = await one.fit(x, y, { epochs: 2, batchSize: 64, shuffle: false, verbose: 0 });
  const answered: number[] = [];
  const watch = callbacks.lambda({ onEpochEnd: () => void answered.push(replicaStats(two)!.answered[0]) });
  const h2 = await two.fit(x, y, { epochs: 2, batchSize: 64, shuffle: false, verbose: 0, replicas: 2, callbacks: [watch] });
  // 4 batches an epoch (the last of 8 rows): the replica ran the probe, then a shard of every batch.
  assert.deepEqual(answered, [5, 9]);
  assert.deepEqual(Object.keys(h2.history), Object.keys(h1.history));
  for (const name of Object.keys(h1.history)) {
    h1.history[name].forEach((v, e) => assert.ok(Math.abs(v - h2.history[name][e]) < 1e-5, `${name} epoch ${e}: ${v} vs ${h2.history[name][e]}`));
  }
  const diff = maxDiff(flatParams(one), flatParams(two));
  assert.ok(diff < 1e-5, `params differ by ${diff}`);
  tf.dispose([x, y]);
});

test("replicas: 2 with Adam stays with one thread", async () => {
  const { x, y } = data(256);
  const one = new SmallAdamMLP({ seed: 7 });
  const two = new SmallAdamMLP({ seed: 7 });
  await one.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0 });
  await two.fit(x, y, { epochs: 1, batchSize: 64, shuffle: false, verbose: 0, replicas: 2 });
  const diff = maxDiff(flatParams(one), flatParams(two));
  assert.ok(diff < 1e-5, `params differ by ${diff}`);
  tf.dispose([x, y]);
});

test("replicas: the plain high-level Model is refused with the class to write", async () => {
  const { x, y } = data(64);
  const model = new Model({ module: new nn.Linear(10), loss: losses.meanSquaredError(), optimizer: optimizers.sgd(0.1) });
  await assert.rejects(model.fit(x, y, { verbose: 0, replicas: 2 }), /plain Model/);
  tf.dispose([x, y]);
});
