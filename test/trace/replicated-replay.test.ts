// A fit with replicas replays its steps too: the main thread's shard, each replica's shard, and
// the part only the main thread runs — the shards combined, then the optimizer. Bit for bit
// what the same replicated fit gives with every step run eagerly.
import test from "node:test";
import assert from "node:assert/strict";
import { Model, tf } from "elegy-ts";
import { internalsOf } from "../../src/model/model";
import { leafPaths } from "../../src/tree";
import { SmallAdamMLP } from "../support/parallel-models";

const replayed = (model: Model) => internalsOf(model).runner.traced.replayed;

function data(n: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 8, 8], 0, 1, "float32", 7);
    const y = tf.argMax(tf.matMul(x.reshape([n, 64]), tf.randomNormal([64, 10], 0, 1, "float32", 8)), -1).toInt();
    return { x, y };
  });
}

test("replay with replicas: each shard and the combination with the optimizer are replayed, bit for bit as eager", async () => {
  const { x, y } = data(320); // 5 batches of 64 an epoch
  const fast = new SmallAdamMLP({ seed: 3, backend: "wasm" });
  const eager = new SmallAdamMLP({ seed: 3, backend: "wasm", runEagerly: true });
  const options = { epochs: 2, batchSize: 64, shuffle: false, verbose: 0 as const, replicas: 2 };
  const h1 = await fast.fit(x, y, options);
  const h2 = await eager.fit(x, y, options);
  assert.deepEqual(h1.history, h2.history);
  const left = leafPaths([fast.states.netParams, fast.states.optimizerStates, fast.states.metricsStates]);
  const right = leafPaths([eager.states.netParams, eager.states.optimizerStates, eager.states.metricsStates]);
  assert.deepEqual(left.map(([p]) => p), right.map(([p]) => p));
  left.forEach(([path, t], i) => assert.deepEqual(Buffer.from(t.dataSync().buffer), Buffer.from(right[i][1].dataSync().buffer), `leaf ${path} differs`));
  // The main thread's two parts of each step: recorded on the first two steps of the fit and on
  // the first of the second epoch (each epoch checks its programs still agree), replayed on the
  // other 7 steps: 14 replays.
  assert.equal(replayed(fast), 14);
  assert.equal(replayed(eager), 0);
  // Another epoch: its first step checks the programs, the other 4 replay both parts; nothing grows.
  const tensors = tf.memory().numTensors;
  await fast.fit(x, y, { ...options, epochs: 1 });
  assert.equal(replayed(fast), 14 + 8);
  assert.equal(tf.memory().numTensors, tensors, "no tensor leaked");
  fast.dispose();
  eager.dispose();
  tf.dispose([x, y]);
});
