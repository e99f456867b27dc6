// Combining the gradient steps of a batch's shards into the gradient step of the batch.
// Gradients, loss and per-batch logs are means over the shards weighted by their rows: exact
// when the loss is a mean over samples (Keras' default reduction), as a loss over a batch is
// the row-weighted mean of the losses over its parts. Running metric and loss states add up
// (each replica starts its shard from zeroed states), and the running logs are recomputed
// from the combined states, so epoch metrics are those of one thread seeing the whole batch.
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { Logs, LogValue, isRunning } from "../logs";
import type { GradResult } from "../model/step-results";
import type { StepChain } from "../model/step-chain";
import { States } from "../states";
import { StateTree, TensorTree, isPlainObject, zipTrees } from "../tree";

/** What one replica's gradient step gave for its shard. */
export interface ShardOutcome {
  readonly rows: number;
  readonly loss: tf.Scalar;
  /** Per-batch log values (running ones are only named). */
  readonly logs: Record<string, LogValue>;
  readonly running: readonly string[];
  readonly grads: TensorTree;
  readonly metricsChanged: boolean;
  readonly metricsStates: StateTree;
}

/** How the running states of the default test step (its `loss` and `metrics` objects) merge, and the logs they give. */
export interface MetricsMerge {
  /** Whether a metricsStates has the shape this merge knows (a step of the model's own may write anything there). */
  accepts(state: StateTree): boolean;
  merge(states: readonly StateTree[]): StateTree;
  result(state: StateTree): Logs;
}

interface DefaultMetricsStates {
  losses?: TensorTree;
  metrics?: TensorTree;
}

/** The merge of the default test step's metric states, or undefined when the model's own @testStep keeps them. */
export function defaultMetricsMerge(d: StepChain): MetricsMerge | undefined {
  const { loss, metrics } = d.parts;
  if (d.overridden("testStep") || loss === undefined) return undefined;
  return {
    accepts(state) {
      if (!isPlainObject(state) || !isPlainObject(state.losses)) return false;
      const keys = Object.keys(state);
      return keys.every((k) => k === "losses" || (k === "metrics" && metrics !== undefined)) && "count" in state.losses && "sums" in state.losses;
    },
    merge(states) {
      const each = states as readonly DefaultMetricsStates[];
      const merged: DefaultMetricsStates = { losses: loss.merge(each.map((s) => s.losses ?? loss.init())) };
      if (metrics && each.some((s) => s.metrics !== undefined)) merged.metrics = metrics.merge(each.map((s) => s.metrics ?? metrics.init()));
      return merged as StateTree;
    },
    result(state) {
      const s = state as DefaultMetricsStates;
      return { ...loss.result(s.losses ?? loss.init()), ...(metrics && s.metrics !== undefined ? metrics.result(s.metrics) : {}) };
    },
  };
}

// A chain of binary adds, not tf.addN: wasm's AddN is a scalar loop (~2.7 ns a value; a third
// of the combine on the MLP), its Add an XNNPACK SIMD kernel.
function sum(values: readonly tf.Tensor[]): tf.Tensor {
  return values.slice(1).reduce((acc, v) => tf.add(acc, v), values[0]);
}

function weightedMean(values: readonly tf.Tensor[], weights: readonly number[]): tf.Tensor {
  if (weights.every((w) => w === weights[0])) return tf.mul(sum(values), weights[0]);
  return sum(values.map((v, i) => tf.mul(v, weights[i])));
}

/**
 * The batch's gradient step from the main thread's step on its own shard (`local`, on
 * `localRows` rows, from states `input`) and the replicas' outcomes. `where` names the
 * model's gradient step in messages.
 */
export function combineShards(
  local: GradResult,
  localRows: number,
  input: States,
  shards: readonly ShardOutcome[],
  merge: MetricsMerge | undefined,
  where: string,
): GradResult {
  const [localLoss, localLogs, localStates, localGrads] = local;
  const rows = [localRows, ...shards.map((s) => s.rows)];
  const total = rows.reduce((a, b) => a + b, 0);
  const weights = rows.map((r) => r / total);

  const grads = zipTrees(
    [localGrads, ...shards.map((s) => s.grads)],
    (leaves) => weightedMean(leaves.map((l) => (l.dtype === "float32" ? l : tf.cast(l, "float32"))), weights),
    ["the main thread's gradients", ...shards.map((_, i) => `replica ${i + 1}'s gradients`)],
  );
  const loss = weightedMean([localLoss, ...shards.map((s) => s.loss)], weights) as tf.Scalar;

  // Running states: the main thread's shard went on from the epoch's states, the replicas' from zero.
  const localChanged = localStates.metricsStates !== input.metricsStates;
  let states = localStates;
  let recomputed: Logs | undefined;
  if (localChanged || shards.some((s) => s.metricsChanged)) {
    const parts = [localStates.metricsStates, ...shards.filter((s) => s.metricsChanged).map((s) => s.metricsStates)];
    if (!merge || !parts.every((p) => merge.accepts(p))) {
      throw new ElegyInputError(
        `fit(): ${where} changes states.metricsStates, and replicas cannot tell how states of your own combine across shards. ` +
          "Keep running statistics in the model's metrics and loss (the default test step merges them exactly), " +
          "log per-batch values instead (the loop averages them over the epoch), or train with replicas: 1.",
      );
    }
    const merged = merge.merge(parts);
    states = localStates.update({ metricsStates: merged });
    recomputed = merge.result(merged);
  }

  const logs: Logs = {};
  const names = Object.keys(localLogs);
  for (const [i, shard] of shards.entries()) {
    const theirs = [...Object.keys(shard.logs), ...shard.running].sort();
    if (theirs.join() !== [...names].sort().join()) {
      throw new ElegyInputError(
        `fit(): ${where} logged ${names.join(", ") || "nothing"} on the main thread but ${theirs.join(", ") || "nothing"} in replica ${i + 1}; ` +
          "with replicas every shard of a batch must log the same names.",
      );
    }
  }
  for (const name of names) {
    const value = localLogs[name];
    if (isRunning(value)) {
      const fresh = recomputed?.[name];
      if (fresh === undefined) {
        throw new ElegyInputError(
          `fit(): log '${name}' of ${where} is a running value (markRunning), which replicas cannot recompute from shards. ` +
            "Log the per-batch value instead (the loop averages it over the epoch), or train with replicas: 1.",
        );
      }
      logs[name] = fresh;
      continue;
    }
    const values = [value, ...shards.map((s) => s.logs[name])];
    logs[name] = values.every((v) => typeof v === "number")
      ? (values as number[]).reduce((sum, v, k) => sum + v * weights[k], 0)
      : weightedMean(values.map((v) => (typeof v === "number" ? tf.scalar(v) : tf.cast(v, "float32"))), weights);
  }
  return [loss, logs, states, grads];
}
