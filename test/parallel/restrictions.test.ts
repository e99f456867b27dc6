// What replicas cannot split or rebuild is refused with an error saying what to change —
// never trained into silently different numbers.
import test from "node:test";
import assert from "node:assert/strict";
import * as os from "node:os";
import { ElegyInputError, Model, ensureBackend, losses, metrics, nn, optimizers, tf } from "elegy-ts";
import { enterReplica } from "../../src/parallel/replica-context";
import { liveThreads as liveReplicaThreads } from "../support/replica-spy";
import {
  BatchNormMLP, BrokenInReplicas, OwnMetricsState, OwnRunningLog, OwnTrainStep, SmallAdamMLP, SmallMLP,
} from "../support/parallel-models";

const cores = os.availableParallelism();

function data(n: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({ x: tf.randomNormal([n, 4, 4], 0, 1, "float32", 1), y: tf.randomUniform([n], 0, 10, "int32", 2) }));
}

/** Rejects with exactly this error class and message. */
async function rejectsWith(promise: Promise<unknown>, cls: new (...a: never[]) => Error, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof cls, `${error.name}: ${error.message}`);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
  assert.equal(liveReplicaThreads(), 0, "no replica thread outlives a failed fit");
}

test("replicas: the option must be a whole number of threads the machine has cores for", async () => {
  await ensureBackend("wasm");
  const { x, y } = data(32);
  const model = new SmallMLP();
  for (const bad of [0, 1.5, cores + 1, "2"]) {
    const shown = typeof bad === "string" ? `"${bad}"` : String(bad);
    await rejectsWith(
      model.fit(x, y, { verbose: 0, replicas: bad as number }),
      ElegyInputError,
      `fit(): replicas must be a whole number from 1 to ${cores} (the cores os.availableParallelism() reports here), got ${shown}.`,
    );
  }
  await rejectsWith(model.fit(x, y, { verbose: 0, replica: 2 } as never), ElegyInputError, /unknown option 'replica'\. Did you mean 'replicas'\?/);
  const one = await model.fit(x, y, { verbose: 0, replicas: 1 });
  assert.equal(one.history.loss.length, 1);
  tf.dispose([x, y]);
});

test("replicas: a plain Model (parts passed to the constructor) is refused with the class to write", async () => {
  const { x, y } = data(32);
  const model = new Model({ module: new nn.Sequential([new nn.Flatten(), new nn.Linear(10)]), loss: losses.meanSquaredError(), optimizer: optimizers.sgd(0.1) });
  await rejectsWith(
    model.fit(x, y, { verbose: 0, replicas: 2 }),
    ElegyInputError,
    "fit(): replicas rebuild the model in worker threads from its class, but this model is a plain Model whose module, loss and " +
      "optimizer were passed to the constructor (objects with functions cannot be sent to other threads). Declare a class that " +
      "builds its own parts and export it from its module:\n" +
      "export class MyModel extends Model {\n" +
      "  constructor(options: ModelOptions = {}) {\n" +
      "    super({ module: new nn.Sequential([…]), loss: …, metrics: …, optimizer: …, ...options });\n" +
      "  }\n" +
      "}\n" +
      "then create it with new MyModel({ seed }).",
  );
  tf.dispose([x, y]);
});

test("replicas: a class that no module exports cannot be loaded by a worker", async () => {
  class Hidden extends Model {
    constructor() {
      super({ module: new nn.Sequential([new nn.Flatten(), new nn.Linear(10)]), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }), optimizer: optimizers.sgd(0.1) });
    }
  }
  const { x, y } = data(32);
  await rejectsWith(
    new Hidden().fit(x, y, { verbose: 0, replicas: 2 }),
    ElegyInputError,
    /^fit\(\): replicas rebuild the model in worker threads from its class, but Hidden is not exported from any loaded CommonJS module, so a worker cannot load it\. Export the class from its module/,
  );
  tf.dispose([x, y]);
});

test("replicas: a custom @trainStep owns the whole step and cannot be split", async () => {
  const { x, y } = data(32);
  await rejectsWith(
    new OwnTrainStep().fit(x, y, { verbose: 0, replicas: 2 }),
    ElegyInputError,
    "fit(): replicas split each batch's gradient step across threads, but OwnTrainStep overrides @trainStep, which owns the whole " +
      "step and cannot be split. Override @gradStep instead (replicas average its gradients, then the default trainStep applies " +
      "the optimizer), or train with replicas: 1.",
  );
  tf.dispose([x, y]);
});

test("replicas: provided injectables cannot reach the worker threads", async () => {
  const { x, y } = data(32);
  const model = new SmallMLP().provide("teacher", new SmallMLP());
  await rejectsWith(
    model.fit(x, y, { verbose: 0, replicas: 2 }),
    ElegyInputError,
    'fit(): replicas cannot give their worker threads the values of model.provide("teacher"). Build what the steps need in the ' +
      "model's constructor, or train with replicas: 1.",
  );
  tf.dispose([x, y]);
});

test("replicas: a loss summed over the batch cannot be averaged over shards", async () => {
  const { x, y } = data(32);
  const model = new SmallMLP({ loss: losses.sparseCategoricalCrossentropy({ fromLogits: true, reduction: "sum" }) });
  await rejectsWith(
    model.fit(x, y, { verbose: 0, replicas: 2 }),
    ElegyInputError,
    "fit(): loss 'sparse_categorical_crossentropy' sums over the batch (reduction \"sum\"); replicas average the shards' gradients " +
      'weighted by rows, which is exact for losses that are means over samples. Use reduction "sum_over_batch_size" (the default), ' +
      "or train with replicas: 1.",
  );
  tf.dispose([x, y]);
});

test("replicas: parts passed as constructor options are caught before training", async () => {
  const { x, y } = data(64);
  // A metric the class does not build: the replica has none.
  await rejectsWith(
    new BatchNormMLP({ metrics: metrics.accuracy() }).fit(x, y, { verbose: 0, replicas: 2 }),
    ElegyInputError,
    /^fit\(\): a replica built as new BatchNormMLP\(\{ seed: 42 \}\) has no metrics, but this model has one\. Replicas are built by the class's constructor, so parts passed as options to new BatchNormMLP\(…\) are not there\./,
  );
  // A different loss of the same name: the replica's first step, on the main thread's own rows, disagrees.
  await rejectsWith(
    new SmallAdamMLP({ loss: losses.sparseCategoricalCrossentropy({ fromLogits: false }) }).fit(x, y, { verbose: 0, replicas: 2 }),
    ElegyInputError,
    /^fit\(\): replica 1 of 2, built as new SmallAdamMLP\(\{ seed: 42 \}\) in a worker thread, computes a different loss \(.+ instead of .+\) than this model on the same rows and states\./,
  );
  tf.dispose([x, y]);
});

test("replicas: running states and running logs of the model's own making are refused", async () => {
  const { x, y } = data(64);
  await rejectsWith(
    new OwnMetricsState().fit(x, y, { verbose: 0, replicas: 2 }),
    ElegyInputError,
    "fit(): OwnMetricsState's @gradStep changes states.metricsStates, and replicas cannot tell how states of your own combine " +
      "across shards. Keep running statistics in the model's metrics and loss (the default test step merges them exactly), " +
      "log per-batch values instead (the loop averages them over the epoch), or train with replicas: 1.",
  );
  await rejectsWith(
    new OwnRunningLog().fit(x, y, { verbose: 0, replicas: 2 }),
    ElegyInputError,
    "fit(): log 'seen' of OwnRunningLog's @gradStep is a running value (markRunning), which replicas cannot recompute from " +
      "shards. Log the per-batch value instead (the loop averages it over the epoch), or train with replicas: 1.",
  );
  tf.dispose([x, y]);
});

test("replicas: a replica that cannot build the model reports why", async () => {
  const { x, y } = data(32);
  await rejectsWith(
    new BrokenInReplicas().fit(x, y, { verbose: 0, replicas: 2 }),
    TypeError,
    "Replica 1 of 2 (building BrokenInReplicas in its worker thread) failed: this class cannot be built here",
  );
  tf.dispose([x, y]);
});

test("replicas: fit refuses to run inside a replica's thread (a module that trains when loaded)", async () => {
  const { x, y } = data(32);
  enterReplica({ index: 1, count: 2, className: "SmallMLP" });
  try {
    await rejectsWith(
      new SmallMLP().fit(x, y, { verbose: 0 }),
      ElegyInputError,
      "fit() was called in a worker thread of a replica: SmallMLP's module runs a program when it is loaded. Replicas load that " +
        "module to build the model; guard the program with if (require.main === module) { … }, or move the model class into a module of its own.",
    );
  } finally {
    enterReplica(undefined);
  }
  tf.dispose([x, y]);
});
