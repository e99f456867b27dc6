// Runs one step on one batch and owns the model's current States: every tensor a step makes
// and does not return is freed; when the States are replaced, tensors the new States no
// longer hold are freed; logs, batches and predictions are freed once consumed.
import { tf } from "../tf";
import { Logs } from "../logs";
import { States } from "../states";
import { TensorTree, collectTensors, disposeExcept, leaves, mapTree } from "../tree";
import type { Batch } from "../loop/batches";
import { StepDispatcher } from "./dispatch";
import { PHASE_FLAGS, Phase, StepContext } from "./step-context";
import { inStepScope } from "../autodiff/step-scope";

/**
 * Receives a step's logs before the runner frees them. It may take log tensors that
 * `takeable` allows (the runner would free them: they are in no States) by returning them.
 */
export type LogSink = (logs: Logs, takeable: (t: tf.Tensor) => boolean) => readonly tf.Tensor[] | void;

export class StepRunner {
  private current: States;
  private isInitialized = false;
  /** The classWeight tensor injected into steps (set for the duration of a fit). */
  classWeight: tf.Tensor | undefined;
  /** Epochs of training completed (saved in checkpoints; where a resumed fit starts). */
  completedEpochs = 0;
  /** Shape and dtype of each input leaf of the init batch (batch axis included), for summary(). */
  inputSpec: Array<{ shape: number[]; dtype: tf.DataType }> | undefined;
  /** The context of the step call under way (for Model.runStep), else undefined. */
  active: StepContext | undefined;
  /** The init batch's x, kept only for its structure (its tensors are freed). */
  inputStructure: TensorTree;

  constructor(
    readonly dispatcher: StepDispatcher,
    initial: States,
  ) {
    this.current = initial;
  }

  get states(): States {
    return this.current;
  }

  get initialized(): boolean {
    return this.isInitialized;
  }

  /** Replaces the States (checkpoint restore, best-weights restore), freeing what the old ones held alone. */
  replaceStates(next: States, initialized = true): void {
    this.adopt(next, []);
    this.isInitialized = initialized;
  }

  /** Runs the init step on one batch (flags: initializing, training). `purpose` is the public phase that asked. */
  initOnBatch(batch: Batch, purpose: string, ownsBatch: boolean): void {
    this.dispatcher.phase = purpose;
    this.inputSpec = leaves(batch.x).map((t) => ({ shape: [...t.shape], dtype: t.dtype }));
    this.inputStructure = batch.x;
    const next = this.run("init", batch, ownsBatch, (ctx) => this.dispatcher.init(ctx));
    this.adopt(next, ownsBatch ? [batch] : []);
    this.isInitialized = true;
    // The init chain ran the metrics and losses on this batch only to create their states; the
    // step that follows on the same batch must not find it counted already.
    this.resetMetrics();
  }

  /** One train step. `sink` sees the logs before they are freed. */
  trainBatch(batch: Batch, sink: LogSink, ownsBatch: boolean): void {
    this.dispatcher.phase = "fit";
    const [logs, next] = this.run("fit", batch, ownsBatch, (ctx) => this.dispatcher.train(ctx));
    this.adoptAfterSink(next, logs, sink, ownsBatch ? [logs, batch] : [logs]);
  }

  /** One test step; its loss is logged as `loss` unless the step logged one itself. */
  testBatch(batch: Batch, sink: LogSink, ownsBatch: boolean): void {
    this.dispatcher.phase = "evaluate";
    const [loss, logs, next] = this.run("evaluate", batch, ownsBatch, (ctx) => this.dispatcher.test(ctx));
    this.adoptAfterSink(next, "loss" in logs ? logs : { loss, ...logs }, sink, ownsBatch ? [loss, logs, batch] : [loss, logs]);
  }

  /** Lets the sink see (and take) the logs, then adopts `next`, freeing what nobody holds. */
  private adoptAfterSink(next: States, logs: Logs, sink: LogSink, consumed: unknown[]): void {
    const held = next.tensors();
    const taken = sink(logs, (t) => !held.has(t)) ?? [];
    this.adopt(next, consumed, taken, held);
  }

  /** One prediction step; the caller owns the returned prediction. */
  predBatch(batch: Batch, ownsBatch: boolean): TensorTree {
    this.dispatcher.phase = "predict";
    const [yPred, next] = this.run("predict", batch, ownsBatch, (ctx) => this.dispatcher.pred(ctx));
    this.adopt(next, ownsBatch ? [batch] : [], [yPred]);
    return yPred;
  }

  /** Zeroes the running metric and loss state, as Keras' reset_state does at each epoch. */
  resetMetrics(): void {
    const metricsStates = this.current.metricsStates;
    if (metricsStates === undefined) return;
    this.adopt(this.current.update({ metricsStates: mapTree(metricsStates, (t) => tf.zerosLike(t)) }), []);
  }

  private run<R>(phase: Phase, batch: Batch, ownsBatch: boolean, step: (ctx: StepContext) => R): R {
    const ctx: StepContext = {
      x: batch.x,
      yTrue: batch.y,
      sampleWeight: batch.sampleWeight,
      classWeight: this.classWeight,
      states: this.current,
      ...PHASE_FLAGS[phase],
    };
    const inputs = collectTensors([batch, this.classWeight], this.current.tensors());
    this.active = ctx;
    try {
      return inStepScope(() => step(ctx), inputs);
    } catch (error) {
      // The step failed: its batch will never be consumed. (The caller's own tensors are not in `owned`.)
      if (ownsBatch) disposeExcept(batch, this.current.tensors());
      throw error;
    } finally {
      this.active = undefined;
    }
  }

  /** Makes `next` current; frees old-state tensors it dropped and `consumed` values, sparing `keep`. */
  private adopt(next: States, consumed: unknown[], keep: readonly unknown[] = [], nextTensors = next.tensors()): void {
    const alive = collectTensors(keep, nextTensors);
    disposeExcept(this.current, alive);
    disposeExcept(consumed, alive);
    this.current = next;
  }
}
