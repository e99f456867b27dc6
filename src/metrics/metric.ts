// What a metric is (Keras' stateful metric, made functional): init() gives a zeroed state,
// update() folds one batch into it, result() reads the running value. The state lives in
// states.metricsStates; the metric object holds only config.
import { tf } from "../tf";
import { BatchContext } from "../contracts";
import { TensorTree, addTrees } from "../tree";
import { Path, selectTensor } from "../losses/select";
import { optionKeys } from "../options-check";

export interface Metric {
  readonly name: string;
  init(): TensorTree;
  update(state: TensorTree, batch: BatchContext): TensorTree;
  result(state: TensorTree): tf.Scalar;
  /** The value for one batch on its own: result(update(init(), batch)). */
  call(yTrue: TensorTree, yPred: TensorTree, sampleWeight?: tf.Tensor, classWeight?: tf.Tensor): tf.Scalar;
  /**
   * One state from several, as if one metric had seen all their batches (Keras' merge_state);
   * needed to combine the shards of data-parallel replicas.
   */
  merge?(states: readonly TensorTree[]): TensorTree;
}

export interface MetricOptions {
  /** Overrides the default name (the log name). */
  name?: string;
  /** Which output of a nested yTrue/yPred this metric looks at. */
  on?: Path;
}

export const METRIC_OPTIONS = optionKeys<MetricOptions>()(["name", "on"]);

/** Implements `call` and the `on` selection; subclasses see single tensors. */
export abstract class BaseMetric<S extends TensorTree = TensorTree> implements Metric {
  readonly name: string;
  readonly on?: Path;

  constructor(defaultName: string, options: MetricOptions = {}) {
    this.name = options.name ?? defaultName;
    this.on = options.on;
  }

  abstract init(): S;
  abstract result(state: S): tf.Scalar;
  /** Folds a batch of single tensors into the state. */
  protected abstract accumulate(state: S, yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeight?: tf.Tensor, classWeight?: tf.Tensor): S;

  update(state: S, batch: BatchContext): S {
    const owner = `metric '${this.name}'`;
    const yTrue = selectTensor(batch.yTrue, this.on, "yTrue", owner);
    const yPred = selectTensor(batch.yPred, this.on, "yPred", owner);
    return this.accumulate(state, yTrue, yPred, batch.sampleWeight, batch.classWeight);
  }

  call(yTrue: TensorTree, yPred: TensorTree, sampleWeight?: tf.Tensor, classWeight?: tf.Tensor): tf.Scalar {
    return this.result(this.update(this.init(), { yTrue, yPred, sampleWeight, classWeight }));
  }

  /** The states added leaf by leaf: right for every built-in metric, whose states are totals and counts. */
  merge(states: readonly S[]): S {
    return addTrees(states, states.map((_, i) => `metric '${this.name}' state ${i}`));
  }
}
