// The interfaces the default step chain programs against. Implementations live in
// nn/, losses/, metrics/ and optimizers/; users may bring their own objects that fit.
import { tf } from "./tf";
import { Logs } from "./logs";
import { RNG } from "./states";
import { StateTree, TensorTree } from "./tree";

/** What a module's apply gets besides params, states and x. */
export interface ApplyContext {
  /** true in fit: Dropout drops, BatchNorm uses and updates batch statistics. */
  training: boolean;
  /** Source of fresh seeds (Dropout); the model's `states.rng`. */
  rng: RNG;
}

/**
 * A functional module (Elegy/Flax style): parameters live in `states.netParams`, mutable
 * statistics (BatchNorm) in `states.netStates`; the module object itself holds only config.
 */
export interface Module {
  readonly name: string;
  /** Creates parameters and states for an example input `x` (shapes come from x). */
  init(rng: RNG, x: TensorTree): { params: TensorTree; states: StateTree };
  /** Computes the output; returns new states (the same object when nothing changed). */
  apply(params: TensorTree, states: StateTree, x: TensorTree, ctx: ApplyContext): [TensorTree, StateTree];
  /** Optional: finishes asynchronous setup (a LayersAdapter loading its tf model); Model awaits it before any step. */
  ready?(): Promise<void>;
}

/** Everything a loss or metric may look at for one batch. */
export interface BatchContext {
  yTrue: TensorTree;
  yPred: TensorTree;
  sampleWeight?: tf.Tensor;
  classWeight?: tf.Tensor;
  /** The model's parameters (regularization losses use them). */
  params?: TensorTree;
}

/**
 * The `loss` given to a Model, gathered: sums the losses into the scalar to minimise and keeps
 * a running mean of each (and of the total) in `states.metricsStates` for the logs.
 */
export interface LossAggregate {
  /** Zeroed running state. Reset = init() again. */
  init(): TensorTree;
  /** Batch loss (for gradients), logs (`loss`, `<name>_loss`, running means, markRunning'd) and new state. */
  update(state: TensorTree, ctx: BatchContext): { loss: tf.Scalar; logs: Logs; state: TensorTree };
  /** The logs of a state, as update reports them (running means). */
  result(state: TensorTree): Logs;
  /** One state from several, as if one had seen all their batches (the shards of data-parallel replicas). */
  merge(states: readonly TensorTree[]): TensorTree;
  /** Names of the losses whose batch value is a sum over samples (reduction "sum") rather than a mean. */
  readonly sumReduced: readonly string[];
}

/** The `metrics` given to a Model, gathered. */
export interface MetricAggregate {
  init(): TensorTree;
  /** Logs (running values, markRunning'd) and new state. */
  update(state: TensorTree, ctx: BatchContext): { logs: Logs; state: TensorTree };
  /** The logs of a state, as update reports them. */
  result(state: TensorTree): Logs;
  /** One state from several, as if one had seen all their batches (the shards of data-parallel replicas). */
  merge(states: readonly TensorTree[]): TensorTree;
}

/** A functional optimizer: its state lives in `states.optimizerStates`. */
export interface Optimizer {
  readonly name: string;
  /** State for these params (moments, step counter…). */
  init(params: TensorTree): StateTree;
  /** One update. Returns new params and new state; never mutates its inputs. */
  apply(params: TensorTree, grads: TensorTree, state: StateTree): [TensorTree, StateTree];
  /** The learning rate the next `apply` will use (logged as `lr`). */
  learningRate(state: StateTree): tf.Scalar;
}
