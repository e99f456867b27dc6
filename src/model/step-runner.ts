// Runs one step on one batch and owns the model's current States: every tensor a step makes
// and does not return is freed; when the States are replaced, tensors the new States no
// longer hold are freed; logs, batches and predictions are freed once consumed.
// Each step call is built here from its batch and the inputs its public call shares, and
// handed down to the dispatcher whole: no field is set for a later call to find.
import { tf } from "../tf";
import { Logs } from "../logs";
import { States } from "../states";
import { TensorTree, collectTensors, disposeExcept, leaves, mapTree } from "../tree";
import type { Batch } from "../loop/batches";
import { SpecTree, specOf } from "../io/architecture";
import { StepDispatcher } from "./dispatch";
import { CallInputs, PHASE_FLAGS, Phase, Purpose, StepCall } from "./step-context";
import { checkActiveBackend } from "./backend-check";
import { inStepScope } from "../autodiff/step-scope";
import { ElegyNotInitializedError } from "../errors";
import { MissingParamsError } from "../missing-params";
import { InitSituation, missingParamsMessage } from "./init-chain";
import { TracedSteps } from "../trace/traced-steps";
import { withStepContext } from "./step-error-context";

/**
 * Receives a step's logs before the runner frees them. It may take log tensors that
 * `takeable` allows (the runner would free them: they are in no States) by returning them.
 */
export type LogSink = (logs: Logs, takeable: (t: tf.Tensor) => boolean) => readonly tf.Tensor[] | void;

export class StepRunner {
  private current: States;
  private isInitialized = false;
  /** The call whose first batch initialized the model (undefined: not by a step, e.g. a checkpoint), for messages. */
  private initializedBy: Purpose | undefined;
  /** Epochs of training completed (saved in checkpoints; where a resumed fit starts). */
  completedEpochs = 0;
  /** Shape and dtype of each input leaf of the init batch (batch axis included), for summary(). */
  inputSpec: Array<{ shape: number[]; dtype: tf.DataType }> | undefined;
  /** The step call under way (what Model.runStep continues), else undefined. Written only by `runAs`. */
  private activeCall: StepCall | undefined;
  /** The init batch's x, kept only for its structure (its tensors are freed). */
  inputStructure: TensorTree;
  /** Structure, shapes (without the batch axis) and dtypes of the init batch's x and y, for checkpoints. */
  initSpec: { input: SpecTree; target: SpecTree } | undefined;

  constructor(
    readonly dispatcher: StepDispatcher,
    initial: States,
    /** Serves fit, evaluate and predict steps by replay once recorded (src/trace). */
    readonly traced: TracedSteps,
  ) {
    this.current = initial;
  }

  get states(): States {
    return this.current;
  }

  get initialized(): boolean {
    return this.isInitialized;
  }

  /** The step call under way, for Model.runStep. */
  get active(): StepCall | undefined {
    return this.activeCall;
  }

  /** Runs `step` as the call under way (a replica's shard, a nested apply), then restores the outer one. */
  runAs<R>(call: StepCall, step: (call: StepCall) => R): R {
    const outer = this.activeCall;
    this.activeCall = call;
    try {
      return step(call);
    } finally {
      this.activeCall = outer;
    }
  }

  /** Replaces the States (checkpoint restore, best-weights restore), freeing what the old ones held alone. */
  replaceStates(next: States, initialized = true): void {
    this.adopt(next, []);
    this.isInitialized = initialized;
    this.initializedBy = undefined;
  }

  /** Runs the init step on one batch (flags: initializing, training). `purpose` is the public call that asked. */
  initOnBatch(batch: Batch, purpose: Purpose, inputs: CallInputs, ownsBatch: boolean): void {
    this.initializedBy = purpose;
    this.inputSpec = leaves(batch.x).map((t) => ({ shape: [...t.shape], dtype: t.dtype }));
    this.inputStructure = batch.x;
    this.initSpec = { input: specOf(batch.x), target: batch.y === undefined ? null : specOf(batch.y) };
    const next = this.run("init", purpose, batch, inputs, ownsBatch, this.initStep);
    this.adopt(next, ownsBatch ? [batch] : []);
    this.isInitialized = true;
    // The init chain ran the metrics and losses on this batch only to create their states; the
    // step that follows on the same batch must not find it counted already.
    this.resetMetrics();
  }

  /** One train step. `sink` sees the logs before they are freed. */
  trainBatch(batch: Batch, inputs: CallInputs, sink: LogSink, ownsBatch: boolean): void {
    const [logs, next] = this.run("fit", "fit", batch, inputs, ownsBatch, this.trainStep);
    this.adoptAfterSink(next, logs, sink, ownsBatch ? [logs, batch] : [logs]);
  }

  /** One test step; its loss is logged as `loss` unless the step logged one itself. */
  testBatch(batch: Batch, inputs: CallInputs, sink: LogSink, ownsBatch: boolean): void {
    const [loss, logs, next] = this.run("evaluate", "evaluate", batch, inputs, ownsBatch, this.testStep);
    this.adoptAfterSink(next, "loss" in logs ? logs : { loss, ...logs }, sink, ownsBatch ? [loss, logs, batch] : [loss, logs]);
  }

  /** Lets the sink see (and take) the logs, then adopts `next`, freeing what nobody holds. */
  private adoptAfterSink(next: States, logs: Logs, sink: LogSink, consumed: unknown[]): void {
    const held = next.tensors();
    const taken = sink(logs, (t) => !held.has(t)) ?? [];
    this.adopt(next, consumed, taken, held);
  }

  /** One prediction step; the caller owns the returned prediction. */
  predBatch(batch: Batch, inputs: CallInputs, ownsBatch: boolean): TensorTree {
    const [yPred, next] = this.run("predict", "predict", batch, inputs, ownsBatch, this.predStep);
    this.adopt(next, ownsBatch ? [batch] : [], [yPred]);
    return yPred;
  }

  /**
   * The prediction chain on `x` with `states`, for Model.apply: nothing is adopted, so the
   * model's States stay as they are (the rng too: the step draws from a copy). Inside another
   * model's step, the tensors it makes belong to that step's scope and tape.
   */
  apply(x: TensorTree, states: States, training: boolean, statesGiven: boolean): TensorTree {
    const call: StepCall = {
      x, yTrue: undefined, sampleWeight: undefined, classWeight: undefined,
      states: states.rng === undefined ? states : states.update({ rng: states.rng.clone() }),
      initializing: false, training, purpose: "apply", replication: undefined,
    };
    const inputs = collectTensors(x, states.tensors());
    try {
      return inStepScope(() => {
        const [yPred] = this.runAs(call, this.predStep);
        // The caller owns what apply returns: never hand out the model's own tensors or the caller's x.
        return mapTree(yPred, (t) => (inputs.has(t) ? t.clone() : t));
      }, inputs);
    } catch (error) {
      throw this.explained(error, call, statesGiven);
    }
  }

  /** Zeroes the running metric and loss state, as Keras' reset_state does at each epoch. */
  resetMetrics(): void {
    const metricsStates = this.current.metricsStates;
    if (metricsStates === undefined) return;
    this.adopt(this.current.update({ metricsStates: mapTree(metricsStates, (t) => tf.zerosLike(t)) }), []);
  }

  // The dispatcher's entries, bound once (not a closure per step).
  private readonly initStep = (call: StepCall) => this.dispatcher.init(call);
  private readonly trainStep = (call: StepCall) => this.dispatcher.train(call);
  private readonly testStep = (call: StepCall) => this.dispatcher.test(call);
  private readonly predStep = (call: StepCall) => this.dispatcher.pred(call);

  /** Builds the step call of one batch and runs `step` on it in a step scope, as the call under way. */
  private run<R>(phase: Phase, purpose: Purpose, batch: Batch, inputs: CallInputs, ownsBatch: boolean, step: (call: StepCall) => R): R {
    const flags = PHASE_FLAGS[phase];
    const call: StepCall = {
      x: batch.x,
      yTrue: batch.y,
      sampleWeight: batch.sampleWeight,
      classWeight: inputs.classWeight,
      states: this.current,
      initializing: flags.initializing,
      training: flags.training,
      purpose,
      replication: inputs.replication,
    };
    const protect = collectTensors([batch, inputs.classWeight], this.current.tensors());
    try {
      checkActiveBackend(inputs.backend, this.dispatcher.className, purpose);
      return inStepScope(() => this.traced.run(call, () => this.runAs(call, step)), protect);
    } catch (error) {
      // The step failed: its batch will never be consumed. (The caller's own tensors are not in `owned`.)
      if (ownsBatch) disposeExcept(batch, this.current.tensors());
      throw this.explained(error, call, false);
    }
  }

  /**
   * A step's error, worded in full when missing parameters caused it (a layer or a default
   * step found none, or a step's own code read a field of undefined while states.netParams
   * was undefined): which model, which call, and what initializes — or initialized — it.
   * Any other error gets a first line naming the step and call it came from (step-error-context.ts).
   */
  private explained(error: unknown, call: StepCall, statesGiven: boolean): unknown {
    const found = error instanceof MissingParamsError;
    const readUndefined = error instanceof TypeError && /\bundefined\b/.test(error.message) && call.states.netParams === undefined;
    if (!found && !readUndefined) return withStepContext(error, call.purpose);
    const problem = found
      ? error.problem
      : `states.netParams is undefined, and the step failed with: ${String((error as Error)?.message ?? error).replace(/\.$/, "")}`;
    const situation: InitSituation = call.initializing
      ? { state: "initializing", inDefaultGradStep: found && error.source === "gradStep" }
      : statesGiven
        ? { state: "given" }
        : !this.isInitialized
          ? { state: "uninitialized" }
          : this.initializedBy === undefined
            ? { state: "replaced" }
            : { state: "initialized", by: this.initializedBy };
    const message = missingParamsMessage(this.dispatcher, call.purpose, situation, problem, call.yTrue !== undefined);
    return new ElegyNotInitializedError(message, { cause: error });
  }

  /** Makes `next` current; frees old-state tensors it dropped and `consumed` values, sparing `keep`. */
  private adopt(next: States, consumed: unknown[], keep: readonly unknown[] = [], nextTensors = next.tensors()): void {
    const alive = collectTensors(keep, nextTensors);
    disposeExcept(this.current, alive);
    disposeExcept(consumed, alive);
    this.current = next;
  }
}
