// The Model's `metrics` option gathered into one MetricAggregate: each metric's state under
// its (unique) name, each log the metric's running value.
import { BatchContext, MetricAggregate } from "../contracts";
import { ElegyInputError } from "../errors";
import { Logs, markRunning } from "../logs";
import { TensorTree, describeTree, isPlainObject } from "../tree";
import { namedEntries, uniqueNames } from "../losses/names";
import { Metric } from "./metric";

export type MetricSpec = Metric | readonly Metric[] | Record<string, Metric>;

function isMetric(x: unknown): x is Metric {
  return (
    typeof x === "object" && x !== null &&
    typeof (x as Metric).name === "string" && typeof (x as Metric).init === "function" &&
    typeof (x as Metric).update === "function" && typeof (x as Metric).result === "function"
  );
}

export function makeMetricAggregate(spec: MetricSpec): MetricAggregate {
  const entries = namedEntries(spec as Metric | Metric[] | Record<string, Metric>, isMetric);
  const bad = entries.find(([, m]) => !isMetric(m));
  if (bad) throw new ElegyInputError(`metric '${bad[0]}' is not a metric (an object with name, init, update and result).`);
  const names = uniqueNames(entries.map(([name]) => name));
  const metrics = entries.map(([, m]) => m);

  return {
    init(): TensorTree {
      const state: Record<string, TensorTree> = {};
      names.forEach((n, i) => (state[n] = metrics[i].init()));
      return state;
    },
    update(state: TensorTree, batch: BatchContext) {
      if (!isPlainObject(state)) throw new ElegyInputError(`metrics state must be as made by init(); got ${describeTree(state)}.`);
      const previous = state as Record<string, TensorTree>;
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
