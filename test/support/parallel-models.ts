// Models for the data-parallel tests. Replicas load the module that exports a model's class
// in their worker threads, so these live in a module without top-level side effects.
import { isMainThread } from "node:worker_threads";
import {
  Model, States, gradStep, losses, markRunning, metrics, nn, optimizers, tf, trainStep, valueAndGrad,
  type Logs, type ModelOptions, type TensorTree,
} from "elegy-ts";

/** A small MLP in the high-level form, built by its constructor (what replicas need). */
export class SmallMLP extends Model {
  constructor(options: ModelOptions = {}) {
    super({
      module: new nn.Sequential([new nn.Flatten(), new nn.Linear(32), nn.relu, new nn.Linear(10)]),
      loss: [losses.sparseCategoricalCrossentropy({ fromLogits: true }), losses.l2Regularization(1e-4)],
      metrics: [metrics.sparseCategoricalAccuracy(), metrics.precision({ classId: 3 }), metrics.f1()],
      optimizer: optimizers.sgd(0.1),
      ...options,
    });
  }
}

/** The same with Adam. */
export class SmallAdamMLP extends Model {
  constructor(options: ModelOptions = {}) {
    super({
      module: new nn.Sequential([new nn.Flatten(), new nn.Linear(32), nn.relu, new nn.Linear(10)]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: metrics.sparseCategoricalAccuracy(),
      optimizer: optimizers.adam(1e-3),
      ...options,
    });
  }
}

/** The benchmark's MLP (784-300-100-10, Adam 1e-3). */
export class MnistMLP extends Model {
  constructor(options: ModelOptions = {}) {
    super({
      module: new nn.Sequential([
        new nn.Flatten(), new nn.Linear(300), nn.relu, new nn.Linear(100), nn.relu, new nn.Linear(10),
      ]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: metrics.sparseCategoricalAccuracy(),
      optimizer: optimizers.adam(1e-3),
      ...options,
    });
  }
}

/** BatchNorm keeps running statistics in states.netStates. */
export class BatchNormMLP extends Model {
  constructor(options: ModelOptions = {}) {
    super({
      module: new nn.Sequential([new nn.Flatten(), new nn.Linear(16), new nn.BatchNorm(), nn.relu, new nn.Linear(10)]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      optimizer: optimizers.sgd(0.1),
      ...options,
    });
  }
}

/** A custom @gradStep that calls the default test step and logs a per-batch value of its own. */
export class ClippedGradMLP extends Model {
  maxNorm = 1;

  constructor(options: ModelOptions = {}) {
    super({
      module: new nn.Sequential([new nn.Flatten(), new nn.Linear(16), nn.relu, new nn.Linear(10)]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: metrics.sparseCategoricalAccuracy(),
      optimizer: optimizers.sgd(0.1),
      ...options,
    });
  }

  @gradStep
  clipped(states: States): [tf.Scalar, Logs, States, TensorTree] {
    const { value, grads, aux } = valueAndGrad((netParams) => {
      const [loss, logs, next] = this.runStep("testStep", { states: states.update({ netParams }) });
      return [loss, { logs, next }];
    }, states.netParams);
    const flat = Object.values(grads as Record<string, Record<string, tf.Tensor>>).flatMap((layer) => Object.values(layer));
    const norm = tf.sqrt(tf.addN(flat.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
    const scale = tf.minimum(1, tf.div(this.maxNorm, tf.maximum(norm, 1e-12)));
    const scaleTree = (t: TensorTree): TensorTree =>
      t instanceof tf.Tensor ? tf.mul(t, scale) : Object.fromEntries(Object.entries(t as object).map(([k, v]) => [k, scaleTree(v as TensorTree)]));
    return [value, { ...aux.logs, grad_norm: norm, clip_at: this.maxNorm }, aux.next, scaleTree(grads)];
  }
}

/** Owns the whole train step: replicas must refuse it. */
export class OwnTrainStep extends Model {
  constructor(options: ModelOptions = {}) {
    super({ module: new nn.Sequential([new nn.Flatten(), new nn.Linear(10)]), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }), ...options });
  }

  @trainStep
  step(states: States): [Logs, States] {
    return [{}, states];
  }
}

/** What a replica's gradient step does in its worker thread, set through the model's plain-data field. */
export type ReplicaFault = "none" | "throw" | "exit" | "hang";

/** Misbehaves in its replicas only (never on the main thread), as told by `fault`. */
export class FaultyReplicaMLP extends Model {
  fault: ReplicaFault = "none";

  constructor(options: ModelOptions = {}) {
    super({
      module: new nn.Sequential([new nn.Flatten(), new nn.Linear(10)]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      optimizer: optimizers.sgd(0.1),
      ...options,
    });
  }

  @gradStep
  grads(states: States): [tf.Scalar, Logs, States, TensorTree] {
    if (!isMainThread && this.fault !== "none") {
      if (this.fault === "throw") throw new RangeError("the replica's step broke on purpose");
      if (this.fault === "exit") process.exit(3);
      if (this.fault === "hang") Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
    }
    const { value, grads, aux } = valueAndGrad((netParams) => {
      const [loss, logs, next] = this.runStep("testStep", { states: states.update({ netParams }) });
      return [loss, { logs, next }];
    }, states.netParams);
    return [value, aux.logs, aux.next, grads];
  }
}

/** Keeps a running statistic of its own in metricsStates (a maximum), which replicas cannot merge. */
export class OwnMetricsState extends Model {
  constructor(options: ModelOptions = {}) {
    super({
      module: new nn.Sequential([new nn.Flatten(), new nn.Linear(10)]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      optimizer: optimizers.sgd(0.1),
      ...options,
    });
  }

  @gradStep
  grads(x: tf.Tensor, yTrue: tf.Tensor, states: States): [tf.Scalar, Logs, States, TensorTree] {
    const { value, grads, aux } = valueAndGrad((netParams) => {
      const [logits] = this.runStep("predStep", { states: states.update({ netParams }) });
      const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(yTrue, "int32"), 10), logits as tf.Tensor) as tf.Scalar;
      return [loss, { logits: logits as tf.Tensor }];
    }, states.netParams);
    const previous = states.metricsStates instanceof tf.Tensor ? states.metricsStates : tf.scalar(-Infinity);
    const highest = tf.maximum(previous, tf.max(aux.logits)) as tf.Scalar;
    void x;
    return [value, { loss: value }, states.update({ metricsStates: highest }), grads];
  }
}

/** Logs a running value of its own making (markRunning), which replicas cannot recompute. */
export class OwnRunningLog extends Model {
  constructor(options: ModelOptions = {}) {
    super({ module: new nn.Sequential([new nn.Flatten(), new nn.Linear(10)]), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }), optimizer: optimizers.sgd(0.1), ...options });
  }

  @gradStep
  grads(states: States): [tf.Scalar, Logs, States, TensorTree] {
    const { value, grads } = valueAndGrad((netParams) => {
      const [loss, , next] = this.runStep("testStep", { states: states.update({ netParams }) });
      return [loss, next];
    }, states.netParams);
    return [value, { loss: value, seen: markRunning(tf.scalar(1)) }, states, grads];
  }
}

/** Its constructor fails in worker threads only. */
export class BrokenInReplicas extends Model {
  constructor(options: ModelOptions = {}) {
    if (!isMainThread) throw new TypeError("this class cannot be built here");
    super({ module: new nn.Sequential([new nn.Flatten(), new nn.Linear(10)]), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }), optimizer: optimizers.sgd(0.1), ...options });
  }
}
