// Replica threads live for one fit: started before the first epoch, ended when fit returns,
// throws or is stopped. A replica that fails, exits or hangs is reported, never waited for
// forever; no thread leaks tensors.
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyReplicaError, callbacks, ensureBackend, tf } from "elegy-ts";
import { liveThreads as liveReplicaThreads, replicaStats } from "../support/replica-spy";
import { nativeKernels } from "../../src/backend/native/addon";
import { FaultyReplicaMLP, SmallMLP } from "../support/parallel-models";

function data(n: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({ x: tf.randomNormal([n, 4, 4], 0, 1, "float32", 1), y: tf.randomUniform([n], 0, 10, "int32", 2) }));
}

async function failsWith(promise: Promise<unknown>, cls: new (...a: never[]) => Error, message: string): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof cls, `${error.name}: ${error.message}`);
    assert.equal(error.message, message);
    return true;
  });
  assert.equal(liveReplicaThreads(), 0, "the replica threads ended with the failed fit");
}

test("replicas: the threads run for the fit only, and no thread's tensor count grows across epochs", async () => {
  await ensureBackend("wasm");
  const { x, y } = data(256);
  const model = new SmallMLP();
  const mainCounts: number[] = [];
  const replicaCounts: number[][] = [];
  const replicaAnswered: number[] = [];
  const threadsDuring: number[] = [];
  // The native kernels' helper thread is off while the replicas hold the cores, and back after.
  const kernelThreads = nativeKernels()?.threads();
  const kernelThreadsDuring: Array<number | undefined> = [];
  await model.fit(x, y, {
    epochs: 4, batchSize: 64, verbose: 0, replicas: 2, validationData: [x, y],
    callbacks: [callbacks.lambda({
      onEpochEnd: () => {
        mainCounts.push(tf.memory().numTensors);
        replicaCounts.push(replicaStats().tensors);
        replicaAnswered.push(replicaStats().answered[0]);
        threadsDuring.push(liveReplicaThreads());
        kernelThreadsDuring.push(nativeKernels()?.threads());
      },
    })],
  });
  assert.deepEqual(threadsDuring, [1, 1, 1, 1]);
  assert.deepEqual(kernelThreadsDuring, Array(4).fill(kernelThreads === undefined ? undefined : 1));
  assert.equal(nativeKernels()?.threads(), kernelThreads);
  assert.equal(liveReplicaThreads(), 0);
  assert.deepEqual(replicaStats(), { tensors: [], answered: [] });
  assert.ok(mainCounts.every((n) => n === mainCounts[0]), `main thread: ${mainCounts}`);
  // A replica keeps the tensors it copies its inputs into, and frees the rest of each step after answering:
  // what it holds at each answer is the same in every epoch.
  assert.ok(replicaCounts.every(([n]) => n === replicaCounts[0][0]), `replica: ${replicaCounts}`);
  // (Read after answers the replica gave in each epoch: its first-step check, then a shard of each of its 4 batches.)
  assert.deepEqual(replicaAnswered, [5, 9, 13, 17]);
  tf.dispose([x, y]);
});

test("replicas: stopTraining ends fit and its threads after the current batch", async () => {
  const { x, y } = data(640);
  const model = new SmallMLP();
  let batches = 0;
  const history = await model.fit(x, y, {
    epochs: 3, batchSize: 64, verbose: 0, replicas: 2,
    callbacks: [callbacks.lambda({ onTrainBatchEnd: (batch) => { batches++; if (batch === 2) model.stopTraining = true; } })],
  });
  assert.equal(batches, 3);
  assert.equal(history.history.loss.length, 1);
  assert.equal(liveReplicaThreads(), 0);
  tf.dispose([x, y]);
});

test("replicas: an error in a replica's step is rethrown on the main thread with its message", async () => {
  const { x, y } = data(128);
  const model = new FaultyReplicaMLP();
  model.fault = "throw";
  await failsWith(model.fit(x, y, { batchSize: 64, verbose: 0, replicas: 2 }), RangeError, "Replica 1 of 2 failed: the replica's step broke on purpose");
  // The model is intact and trains again, with fresh threads.
  model.fault = "none";
  const history = await model.fit(x, y, { batchSize: 64, verbose: 0, replicas: 2 });
  assert.ok(Number.isFinite(history.history.loss[0]));
  tf.dispose([x, y]);
});

test("replicas: a replica whose thread exits is reported at once", async () => {
  const { x, y } = data(128);
  const model = new FaultyReplicaMLP();
  model.fault = "exit";
  await failsWith(
    model.fit(x, y, { batchSize: 64, verbose: 0, replicas: 2 }),
    ElegyReplicaError,
    "Replica 1 of 2 stopped (its worker thread exited) before finishing its step.",
  );
  tf.dispose([x, y]);
});

test("replicas: a replica that does not answer in time is given up on", async () => {
  const { x, y } = data(128);
  const model = new FaultyReplicaMLP();
  model.fault = "hang";
  process.env.ELEGY_REPLICA_TIMEOUT_MS = "300";
  try {
    await failsWith(
      model.fit(x, y, { batchSize: 64, verbose: 0, replicas: 2 }),
      ElegyReplicaError,
      "Replica 1 of 2 did not finish its step within 300 ms. If one step can really take this long, raise the limit with the ELEGY_REPLICA_TIMEOUT_MS environment variable.",
    );
  } finally {
    delete process.env.ELEGY_REPLICA_TIMEOUT_MS;
  }
  tf.dispose([x, y]);
});
