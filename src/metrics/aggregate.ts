// The Model's `metrics` option gathered into one MetricAggregate: each metric's state under
// its (unique) name, each log the metric's running value.
import { BatchContext, MetricAggregate } from "../contracts";
import { ElegyInputError } from "../errors";
import { Logs, markRunning } from "../logs";
import { TensorTree, describeTree, isPlainObject } from "../tree";
import { PerSampleFn } from "../losses/functions";
import { factoriesOf, factoryMessage, functionPartName, namedParts, uniqueNames } from "../losses/names";
import * as accuracy from "./accuracy";
import * as errors from "./errors";
import * as confusion from "./confusion";
import * as reduce from "./reduce";
import * as f1 from "./f1";

/** The factories of the metrics namespace, whose uncalled use as a metric is told apart (see notAMetric). */
const FACTORIES = factoriesOf(accuracy, errors, confusion, reduce, f1);
import { MeanMetric } from "./mean-metric";
import { Metric } from "./metric";

/** A metric object, or a per-sample function (yTrue, yPred) => values whose weighted mean is reported. */
export type MetricLike = Metric | PerSampleFn;
export type MetricSpec = MetricLike | readonly MetricLike[] | Record<string, MetricLike>;

function isMetric(x: unknown): x is Metric {
  return (
    typeof x === "object" && x !== null &&
    typeof (x as Metric).name === "string" && typeof (x as Metric).init === "function" &&
    typeof (x as Metric).update === "function" && typeof (x as Metric).result === "function"
  );
}

function toMetric(item: unknown, name?: string): Metric | undefined {
  if (isMetric(item)) return item;
  // Called as (yTrue, yPred), a factory would take yTrue for its options.
  if (FACTORIES.has(item)) return undefined;
  if (typeof item === "function") return new MeanMetric(name ?? functionPartName(item), item as PerSampleFn);
  return undefined;
}

function notAMetric(where: string, item: unknown): never {
  if (FACTORIES.has(item)) throw new ElegyInputError(factoryMessage("metric", where, "metrics", item as { name: string }));
  throw new ElegyInputError(
    `metric ${where} is not a metric: give a metric object (metrics.accuracy(), …) or a function ` +
      `(yTrue, yPred) => per-sample values; got ${item === null ? "null" : typeof item}.`,
  );
}

export function makeMetricAggregate(spec: MetricSpec): MetricAggregate {
  const entries = namedParts(spec, toMetric, notAMetric);
  const names = uniqueNames(entries.map(([name]) => name));
  const metrics = entries.map(([, m]) => m);

  const checked = (state: TensorTree): Record<string, TensorTree> => {
    if (!isPlainObject(state)) throw new ElegyInputError(`metrics state must be as made by init(); got ${describeTree(state)}.`);
    return state as Record<string, TensorTree>;
  };

  return {
    init(): TensorTree {
      const state: Record<string, TensorTree> = {};
      names.forEach((n, i) => (state[n] = metrics[i].init()));
      return state;
    },
    result(state: TensorTree): Logs {
      const s = checked(state);
      const logs: Logs = {};
      names.forEach((n, i) => (logs[n] = markRunning(metrics[i].result(s[n] ?? metrics[i].init()))));
      return logs;
    },
    merge(states: readonly TensorTree[]): TensorTree {
      const each = states.map(checked);
      const merged: Record<string, TensorTree> = {};
      names.forEach((n, i) => {
        const metric = metrics[i];
        if (typeof metric.merge !== "function") {
          throw new ElegyInputError(
            `metric '${n}' has no merge(states) method, so the running states of several replicas cannot be combined. ` +
              "Give it one (BaseMetric's adds states leaf by leaf, right for totals and counts), or train with replicas: 1.",
          );
        }
        merged[n] = metric.merge(each.map((s) => s[n] ?? metric.init()));
      });
      return merged;
    },
    update(state: TensorTree, batch: BatchContext) {
      const previous = checked(state);
      const next: Record<string, TensorTree> = {};
      const logs: Logs = {};
      names.forEach((n, i) => {
        next[n] = metrics[i].update(previous[n] ?? metrics[i].init(), batch);
        logs[n] = markRunning(metrics[i].result(next[n]));
      });
      return { logs, state: next };
    },
  };
}
