// Model: the public face of elegy-ts (docs/model.md). Subclass it and override steps with the
// step decorators, or give it a module, loss, metrics and optimizer and use the defaults.
import { tf } from "../tf";
import { ElegyInputError, ElegyMissingStepError, ElegyNotInitializedError } from "../errors";
import { missingParamsMessage } from "./init-chain";
import { ExportOptions, ExportResult, ExportSource, exportModel, moduleRecord } from "../io/export/export-model";
import { LOAD_OPTIONS, LoadOptions, loadIntoModel, saveModel } from "./checkpoint-io";
import { checkWeightsUsed } from "./weights-use";
import { checkModuleOption } from "./module-option";
import { LossAggregate, MetricAggregate, Module, Optimizer } from "../contracts";
import { Injector } from "../injection/injector";
import type { Injectables } from "../injection/injectables";
import { States, RNG } from "../states";
import { TensorTree, unflatten } from "../tree";
import * as nn from "../nn";
import { ensureBackend } from "#platform/backend"; // Node's or the page's backend choice
import { makeLossAggregate } from "../losses/aggregate";
import { makeMetricAggregate } from "../metrics/aggregate";
import { checkOptimizer } from "../optimizers/check-optimizer";
import { Callback, CallbackModel } from "../callbacks/callback";
import { CallbackList } from "../callbacks/callback-list";
import { toCallbacks } from "../callbacks/plain-hooks";
import { History } from "../callbacks/history";
import { ProgressBar } from "../callbacks/progress-bar";
import { Batch, HostDataset, SampleWeightInput, batchRows, splitTail } from "../loop/batches";
import { BatchSource, DataInput, DataSplit, hostSource, sourceFor, splitArguments } from "../loop/sources";
import { ClassWeightInput, checkLabelsCovered, classWeightValues } from "../loop/class-weight";
import { runFit } from "../loop/fit-loop";
import { readGpuTensors } from "../loop/gpu-read";
import { runEvaluation } from "../loop/evaluate-loop";
import { runPrediction } from "../loop/predict-loop";
import { StepDispatcher } from "./dispatch";
import { assertIdle, guardOperations } from "./operation-guard";
import { guardBackends } from "./backend-guard";
import { STEP_KINDS, StepKind } from "../metadata-keys";
import { StepContext, plainInputs } from "./step-context";
import { GradResult, PredResult, TestResult, TrainResult } from "./step-results";
import { StepRunner } from "./step-runner";
import { leafSummary } from "./leaf-summary";
import { TracedSteps } from "../trace/traced-steps";
import { traceEvents } from "../trace/trace-events";
import { stepPlansOf, stepTableOf } from "./step-table";
import { withReplicas } from "#platform/replicas"; // worker threads in Node only
import {
  EVALUATE_OPTIONS, FIT_OPTIONS, INIT_OPTIONS, MODEL_OPTIONS, ON_BATCH_OPTIONS, PREDICT_OPTIONS, TEST_ON_BATCH_OPTIONS,
  checkBoolean, checkLoadOptionKeys, checkNonNegativeInteger, checkOptionKeys, checkPositiveInteger, checkVerbose,
  type EvaluateOptions, type FitOptions, type InitOptions, type ModelOptions, type OnBatchOptions, type PredictOptions,
  type TestOnBatchOptions, type ValidationData, type ApplyOptions, APPLY_OPTIONS,
} from "./options";

const DEFAULT_BATCH_SIZE = 32;

/** The machinery behind a Model that data-parallel training (src/parallel) needs; not public API. */
export interface ModelInternals {
  readonly runner: StepRunner;
  readonly injector: Injector;
  readonly seed: number;
}
const INTERNALS = new WeakMap<object, ModelInternals>();

export function internalsOf(model: Model): ModelInternals {
  return INTERNALS.get(model)!;
}

export class Model implements CallbackModel {
  /** Set by a callback (EarlyStopping, TerminateOnNaN) to end fit after the current batch. */
  stopTraining = false;

  private readonly injector = new Injector();
  private readonly runner: StepRunner;
  private readonly backendRequest: string | undefined;
  private readonly seed: number;

  constructor(options: ModelOptions = {}) {
    // A subclass's constructor takes options of its own, which no list here knows; a key reaching
    // this one went through it unrecognised (a misspelt `hidden`) or was passed on.
    const subclass = new.target !== Model ? `, and those of ${new.target.name}'s own constructor, which passed this one on to Model's` : "";
    checkOptionKeys(`new ${new.target.name}`, options, MODEL_OPTIONS, subclass);
    const seed = options.seed ?? 42;
    if (!Number.isInteger(seed)) throw new ElegyInputError(`new ${new.target.name}(): seed must be an integer, got ${seed}.`);
    const parts = {
      module: checkModuleOption(options.module, new.target.name),
      loss: options.loss === undefined ? undefined : (makeLossAggregate(options.loss) as LossAggregate),
      metrics: options.metrics === undefined ? undefined : (makeMetricAggregate(options.metrics) as MetricAggregate),
      optimizer: options.optimizer === undefined ? undefined : checkOptimizer(`new ${new.target.name}()`, options.optimizer),
    };
    const plans = stepPlansOf(this, MODEL_METHODS);
    const dispatcher = new StepDispatcher(this, this.constructor.name, plans, this.injector, parts);
    // Replayed by default: the built-in chain; steps the user wrote only with runEagerly: false.
    const own = STEP_KINDS.filter((k) => k !== "initStep" && dispatcher.overridden(k));
    const replays = options.runEagerly === false || (options.runEagerly === undefined && own.length === 0);
    const off = options.runEagerly === true
      ? "runEagerly is true"
      : `it has steps of its own (${own.map((k) => `${dispatcher.where(k)} (@${k})`).join(", ")}), which are replayed only with runEagerly: false`;
    const traced = new TracedSteps(this, () => replays, () => String(this.injector.version), traceEvents(new.target.name, replays ? undefined : off));
    this.runner = new StepRunner(dispatcher, new States({ rng: new RNG(seed) }), traced);
    this.backendRequest = options.backend;
    this.seed = seed;
    INTERNALS.set(this, { runner: this.runner, injector: this.injector, seed });
  }

  /** The current States; replaced after every batch of fit, evaluate and predict. */
  get states(): States {
    return this.runner.states;
  }

  /** Whether init has run (fit, evaluate and predict run it on their first batch otherwise). */
  get initialized(): boolean {
    return this.runner.initialized;
  }

  /**
   * Adds one of your injectables (declared in the Injectables interface): steps with a
   * parameter of this name receive `value`. A name not declared there, or a value of
   * another type, does not compile.
   */
  provide<K extends keyof Injectables>(name: K, value: Injectables[K]): this {
    this.injector.provide(name as string, value);
    return this;
  }

  /** Loads the backend (once) and readies the module (a LayersAdapter loading its tf model); every public method does it first. */
  async ready(): Promise<void> {
    await this.activate();
  }

  /** Initializes the states on the first batch of x (and y): the @initStep, or the train chain with initializing = true. */
  async init(x: DataInput, y?: TensorTree, options: InitOptions = {}): Promise<States> {
    checkOptionKeys("init", options, INIT_OPTIONS);
    const backend = await this.activate();
    const batchSize = checkPositiveInteger("init", "batchSize", options.batchSize ?? DEFAULT_BATCH_SIZE);
    await readGpuTensors(x, y, options.sampleWeight);
    const { source, host } = sourceFor("init", x, y, { batchSize, batchSizeGiven: options.batchSize !== undefined, shuffle: false, sampleWeight: options.sampleWeight });
    await this.withClassWeight(options.classWeight, host, async (classWeight) => {
      const first = await source.epoch(() => this.states.rng.next()).next();
      if (first.done) throw new ElegyInputError("init(): the data yielded no batches, so there is nothing to initialize on.");
      this.runner.initOnBatch(first.value, "initialize", { backend, classWeight, replication: undefined }, true);
    });
    return this.states;
  }

  /** Trains for `epochs` epochs; returns the History of epoch logs. */
  async fit(x: DataInput, y?: TensorTree, options: FitOptions = {}): Promise<History> {
    checkOptionKeys("fit", options, FIT_OPTIONS);
    const backend = await this.activate();
    const epochs = checkPositiveInteger("fit", "epochs", options.epochs ?? 1);
    const batchSize = checkPositiveInteger("fit", "batchSize", options.batchSize ?? DEFAULT_BATCH_SIZE);
    const initialEpochGiven =
      options.initialEpoch === undefined ? undefined : checkNonNegativeInteger("fit", "initialEpoch", options.initialEpoch);
    // resume sets where training starts (the checkpoint's epoch): a different initialEpoch is refused before anything loads.
    if (options.resume !== undefined) await loadIntoModel(this.runner, this.constructor.name, options.resume, backend, {}, initialEpochGiven);
    const initialEpoch = initialEpochGiven ?? (options.resume !== undefined ? this.runner.completedEpochs : 0);
    const validationFreq = checkPositiveInteger("fit", "validationFreq", options.validationFreq ?? 1);
    const stepsPerEpoch =
      options.stepsPerEpoch === undefined ? undefined : checkPositiveInteger("fit", "stepsPerEpoch", options.stepsPerEpoch);
    const shuffle = checkBoolean("fit", "shuffle", options.shuffle ?? true);
    await readGpuTensors(x, y, options.sampleWeight, options.validationData);
    const data = sourceFor("fit", x, y, { batchSize, batchSizeGiven: options.batchSize !== undefined, shuffle, sampleWeight: options.sampleWeight, stepsPerEpoch });
    let train = data.source;
    let validation: BatchSource | undefined;
    if (options.validationSplit !== undefined && options.validationSplit !== 0) {
      if (!data.host) throw new ElegyInputError("fit(): validationSplit needs tensors; with a dataset, pass validationData instead.");
      const [trainPart, validationPart] = splitTail(data.host, options.validationSplit);
      train = hostSource(trainPart, batchSize, shuffle);
      validation = hostSource(validationPart, batchSize, false);
    }
    if (options.validationData !== undefined) validation = validationSource(options.validationData, batchSize);
    const history = new History();
    const verbose = checkVerbose("fit", options.verbose ?? 1);
    const callbacks = new CallbackList([...(verbose ? [new ProgressBar({ verbose })] : []), ...toCallbacks("fit", options.callbacks), history]);
    callbacks.setModel(this);
    // After the data and weights are validated (their own errors first), before any step runs.
    await this.withClassWeight(options.classWeight, data.host, (classWeight) => {
      checkWeightsUsed(this.runner.dispatcher, "fit", "fit", options);
      return withReplicas(this, internalsOf(this), Model, options.replicas, (replication) => {
        const inputs = { backend, classWeight, replication };
        const plan = {
          train, validation, epochs, initialEpoch, batchSize, validationFreq, stepsPerEpoch, inputs, resumedFrom: options.resume, signal: options.signal,
        };
        return runFit(this, this.runner, plan, callbacks);
      });
    });
    return history;
  }

  /** Runs the test step over the data; returns each log's value over the whole dataset. */
  async evaluate(x: DataInput, y?: TensorTree, options: EvaluateOptions = {}): Promise<Record<string, number>> {
    checkOptionKeys("evaluate", options, EVALUATE_OPTIONS);
    if (options.verbose !== undefined) checkVerbose("evaluate", options.verbose);
    const backend = await this.activate();
    const batchSize = checkPositiveInteger("evaluate", "batchSize", options.batchSize ?? DEFAULT_BATCH_SIZE);
    await readGpuTensors(x, y, options.sampleWeight);
    const { source } = sourceFor("evaluate", x, y, { batchSize, batchSizeGiven: options.batchSize !== undefined, shuffle: false, sampleWeight: options.sampleWeight });
    checkWeightsUsed(this.runner.dispatcher, "evaluate", "evaluate", options);
    const callbacks = new CallbackList(toCallbacks("evaluate", options.callbacks));
    callbacks.setModel(this);
    return runEvaluation(this.runner, source, callbacks, plainInputs(backend));
  }

  /** Runs the prediction step over x; returns the outputs concatenated (a Tensor, or the step's structure). */
  async predict(x: DataInput, options: PredictOptions = {}): Promise<TensorTree> {
    checkOptionKeys("predict", options, PREDICT_OPTIONS);
    if (options.verbose !== undefined) checkVerbose("predict", options.verbose);
    const backend = await this.activate();
    const batchSize = checkPositiveInteger("predict", "batchSize", options.batchSize ?? DEFAULT_BATCH_SIZE);
    this.requirePredStep();
    await readGpuTensors(x);
    const { source } = sourceFor("predict", x, undefined, { batchSize, batchSizeGiven: options.batchSize !== undefined, shuffle: false });
    const callbacks = new CallbackList(toCallbacks("predict", options.callbacks));
    callbacks.setModel(this);
    return runPrediction(this.runner, source, callbacks, plainInputs(backend));
  }

  /**
   * One train step on exactly this batch; returns its logs as numbers. The metric and loss
   * states are reset first (as Keras' reset_metrics=True), so the logs are this batch's, its
   * loss computed before the update; `resetMetrics: false` keeps accumulating across calls.
   */
  async trainOnBatch(x: TensorTree, y?: TensorTree, options: OnBatchOptions = {}): Promise<Record<string, number>> {
    checkOptionKeys("trainOnBatch", options, ON_BATCH_OPTIONS);
    const reset = checkBoolean("trainOnBatch", "resetMetrics", options.resetMetrics ?? true);
    const backend = await this.activate();
    const batch = userBatch(x, y, options.sampleWeight);
    let logs: Record<string, number> = {};
    await this.withClassWeight(options.classWeight, undefined, async (classWeight) => {
      checkWeightsUsed(this.runner.dispatcher, "trainOnBatch", "fit", options);
      const inputs = { backend, classWeight, replication: undefined };
      if (!this.initialized) this.runner.initOnBatch(batch, "fit", inputs, false);
      else if (reset) this.runner.resetMetrics();
      let pending: Promise<Record<string, number>> | undefined;
      this.runner.trainBatch(batch, inputs, (l) => void (pending = readLogs(l)), false);
      logs = await pending!;
    });
    return logs;
  }

  /**
   * One test step on exactly this batch; returns its logs as numbers. Resets the metric and
   * loss states first, as trainOnBatch does (`resetMetrics: false` keeps accumulating).
   */
  async testOnBatch(x: TensorTree, y?: TensorTree, options: TestOnBatchOptions = {}): Promise<Record<string, number>> {
    checkOptionKeys("testOnBatch", options, TEST_ON_BATCH_OPTIONS);
    const reset = checkBoolean("testOnBatch", "resetMetrics", options.resetMetrics ?? true);
    const inputs = plainInputs(await this.activate());
    checkWeightsUsed(this.runner.dispatcher, "testOnBatch", "evaluate", options);
    const batch = userBatch(x, y, options.sampleWeight);
    if (!this.initialized) this.runner.initOnBatch(batch, "evaluate", inputs, false);
    else if (reset) this.runner.resetMetrics();
    let pending: Promise<Record<string, number>> | undefined;
    this.runner.testBatch(batch, inputs, (l) => void (pending = readLogs(l)), false);
    return pending!;
  }

  /** The prediction step on exactly this batch. */
  async predictOnBatch(x: TensorTree): Promise<TensorTree> {
    this.requirePredStep();
    const inputs = plainInputs(await this.activate());
    const batch = userBatch(x, undefined, undefined);
    if (!this.initialized) this.runner.initOnBatch(batch, "predict", inputs, false);
    return this.runner.predBatch(batch, inputs, false);
  }

  /**
   * The model's prediction for `x`, synchronously: its @predStep, or its module. The model's
   * States never change (the step's new States are dropped; it draws from a copy of the rng).
   * Usable anywhere, and inside another model's step (distillation: a teacher in a student's
   * step): there its tensors belong to that step, and gradients flow through it to `x` —
   * the teacher's own parameters are constants of the step, never trained by it. Outside a
   * step the caller owns the result.
   *   const teacherLogits = teacher.apply(x) as tf.Tensor;
   */
  apply(x: TensorTree, options: ApplyOptions = {}): TensorTree {
    checkOptionKeys("apply", options, APPLY_OPTIONS);
    const training = options.training ?? false;
    if (typeof training !== "boolean") {
      throw new ElegyInputError(`${this.constructor.name}.apply(): training must be true or false, got ${String(training)}.`);
    }
    if (options.states !== undefined && !(options.states instanceof States)) {
      throw new ElegyInputError(`${this.constructor.name}.apply(): states must be a States (for instance model.states), got ${typeof options.states}.`);
    }
    if (x === undefined || x === null) throw new ElegyInputError(`${this.constructor.name}.apply(x): x is ${String(x)}; pass the input tensor (or nested tensors).`);
    this.requirePredStep("apply");
    const d = this.runner.dispatcher;
    if (options.states === undefined && !this.initialized) {
      throw new ElegyNotInitializedError(missingParamsMessage(d, "apply", { state: "uninitialized" }, "it has no parameters yet", false));
    }
    return this.runner.apply(x, options.states ?? this.states, training, options.states !== undefined);
  }

  /**
   * Runs a step of another kind from inside a step: your override if there is one, else the
   * default — as Elegy's `self.test_step(...)`. It gets the current call's injectables, with
   * `patch` replacing some (usually `states`).
   *   const [loss, logs, next] = this.runStep("testStep", { states: states.update({ netParams }) });
   */
  runStep(kind: "predStep", patch?: Partial<StepContext>): PredResult;
  runStep(kind: "testStep", patch?: Partial<StepContext>): TestResult;
  runStep(kind: "gradStep", patch?: Partial<StepContext>): GradResult;
  runStep(kind: "trainStep", patch?: Partial<StepContext>): TrainResult;
  runStep(kind: "initStep", patch?: Partial<StepContext>): States;
  runStep(kind: StepKind, patch: Partial<StepContext> = {}): unknown {
    const active = this.runner.active;
    if (!active) {
      throw new ElegyInputError(
        `runStep("${kind}") can only be called from inside a step (a method decorated with @predStep, @testStep, …). ` +
          "Outside of steps, use fit, evaluate, predict or trainOnBatch.",
      );
    }
    const call = { ...active, ...patch };
    const d = this.runner.dispatcher;
    switch (kind) {
      case "predStep": return d.pred(call);
      case "testStep": return d.test(call);
      case "gradStep": return d.grad(call);
      case "trainStep": return d.train(call);
      case "initStep": return d.init(call);
    }
  }

  /**
   * The epoch number the last fit reached (restored from checkpoints), as Keras numbers epochs: a fit
   * runs from `initialEpoch` (default 0) to `epochs`, so a second fit without `initialEpoch` counts from 0 again.
   */
  get epoch(): number {
    return this.runner.completedEpochs;
  }

  /**
   * Writes the States (params, net, metric and optimizer states, rng), the epoch and the
   * architecture (class, init batch spec, every leaf's path, shape and dtype) to `dir`, atomically.
   */
  async save(dir: string): Promise<void> {
    if (!this.initialized) {
      throw new ElegyInputError(`${this.constructor.name} has nothing to save yet: call init, fit, evaluate or predict first.`);
    }
    await saveModel(this.runner, this.constructor.name, dir, await moduleRecord(exportSourceOf(this)));
  }

  /**
   * Replaces the States with a checkpoint's, after checking it was saved from this class
   * (unless `allowOtherClass`) and that its every leaf matches this model's architecture — the
   * model's own, built from the checkpoint's recorded input spec when it is not initialized yet.
   */
  async loadWeights(dir: string, options: LoadOptions = {}): Promise<this> {
    checkOptionKeys("loadWeights", options, LOAD_OPTIONS);
    const backend = await this.activate();
    await loadIntoModel(this.runner, this.constructor.name, dir, backend, options);
    return this;
  }

  /**
   * A new model of this class with a checkpoint's States. Checkpoints hold state, not code:
   * pass the same constructor options the saved model had — Model's (module, loss, optimizer…)
   * or a subclass's own (`Sub.load(dir, { hidden: 64 })`) — plus any load option (`allowOtherClass`).
   */
  static async load<M extends Model, O = ModelOptions>(
    this: new (options: O) => M,
    dir: string,
    ...[options]: undefined extends O ? [options?: O & LoadOptions] : [options: O & LoadOptions]
  ): Promise<M> {
    checkLoadOptionKeys(`${this.name}.load`, options, [...MODEL_OPTIONS, ...LOAD_OPTIONS], LOAD_OPTIONS, (this as unknown) !== Model);
    const { allowOtherClass, ...constructorOptions } = (options ?? {}) as LoadOptions;
    let model: M;
    try {
      model = new this(constructorOptions as O);
    } catch (error) {
      // Called without options, a subclass that needs its own (a layer width) fails deep in its constructor.
      if ((this as unknown) === Model || Object.keys(constructorOptions).length > 0) throw error;
      throw new ElegyInputError(
        `${this.name}.load() builds the model as new ${this.name}(options) from the options you pass, and got none, ` +
          `so the constructor failed: ${error instanceof Error ? error.message : String(error)} ` +
          `Pass the options ${this.name} was built with: ${this.name}.load(dir, { … }).`,
        { cause: error },
      );
    }
    await model.loadWeights(dir, allowOtherClass === undefined ? {} : { allowOtherClass });
    return model;
  }

  /**
   * Writes the module with its current weights as a tfjs-layers model — `model.json` plus weight
   * shards — that `tf.loadLayersModel` loads, in Node or a browser (docs/export.md).
   */
  async export(dir: string, options: ExportOptions = {}): Promise<ExportResult> {
    await this.activate();
    return exportModel(dir, options, exportSourceOf(this));
  }

  /**
   * A Keras-style table of the module's layers, output shapes and parameter counts (printed
   * and returned); for a model with its own steps and no module, the States' netParams and
   * netStates leaves with shapes, dtypes and counts. Needs an initialized model.
   */
  summary(print: (text: string) => void = console.log): string {
    const module = this.runner.dispatcher.parts.module;
    const spec = this.runner.inputSpec;
    const why = module === undefined ? "its steps create its parameters" : "summary() knows the input shapes";
    if (!this.initialized || (module !== undefined && spec === undefined)) {
      throw new ElegyInputError(`${this.constructor.name} is not initialized: call init(x), fit, evaluate or predict first, so ${why}.`);
    }
    if (module === undefined || spec === undefined) {
      const text = leafSummary(this.constructor.name, this.states);
      print(text);
      return text;
    }
    const text = tf.tidy(() => {
      const example = spec.map(({ shape, dtype }) => tf.zeros([1, ...shape.slice(1)], dtype));
      const x = unflatten(this.runner.inputStructure, example);
      return nn.summary(module, x, { params: this.states.netParams, states: this.states.netStates });
    });
    print(text);
    return text;
  }

  /**
   * Frees every tensor the model's States hold (params, optimizer and metric states), as
   * tf.LayersModel.dispose does. The model can be used again: it re-initializes on its next batch.
   */
  dispose(): void {
    assertIdle(this, "dispose");
    this.runner.traced.dispose();
    this.runner.replaceStates(new States({ rng: new RNG(this.seed) }), false);
    this.runner.completedEpochs = 0;
  }

  /** Replaces the model's States (e.g. to restore saved or best weights). */
  setStates(states: States): void {
    if (!(states instanceof States)) throw new ElegyInputError("setStates() needs a States instance.");
    this.runner.replaceStates(states);
  }

  /** Loads the backend (once) and readies the module; returns tfjs's name for the backend, which the call's steps check they run on. */
  private async activate(): Promise<string> {
    const { tfBackend } = await ensureBackend(this.backendRequest);
    await this.runner.dispatcher.parts.module?.ready?.(); // e.g. a LayersAdapter loading its tf model
    return tfBackend;
  }

  /** predict and apply need a prediction step: say so before initializing anything. */
  private requirePredStep(purpose: "predict" | "apply" = "predict"): void {
    const d = this.runner.dispatcher;
    if (!d.can("predStep")) throw new ElegyMissingStepError(d.missingMessage("predStep", purpose));
  }

  /** Runs `body` with the classWeight tensor (for the steps it runs), freed afterwards. */
  private async withClassWeight<T>(
    input: ClassWeightInput | undefined,
    data: HostDataset | undefined,
    body: (classWeight: tf.Tensor | undefined) => Promise<T>,
  ): Promise<T> {
    const tensor = this.classWeightTensor(input, data);
    try {
      return await body(tensor);
    } finally {
      tensor?.dispose();
    }
  }

  private classWeightTensor(input: ClassWeightInput | undefined, data: HostDataset | undefined): tf.Tensor | undefined {
    if (input === undefined) return undefined;
    const values = classWeightValues(input);
    if (data) checkLabelsCovered(data.y, values.length);
    return tf.tensor1d(values, "float32");
  }

  static {
    // init, fit, evaluate, trainOnBatch, testOnBatch and loadWeights: one at a time per model.
    guardOperations(Model.prototype);
    // While one model's calls compute on a backend, another model's call that needs another one is
    // refused. Inside the class because it reads the private backendRequest.
    guardBackends(Model.prototype, (model) => (model as Model).backendRequest);
  }
}

/** Names a step method must not take: the Model's own API. */
const MODEL_METHODS: ReadonlySet<string> = new Set(
  Object.getOwnPropertyNames(Model.prototype).filter((name) => name !== "constructor"),
);

/** What an export needs to know about a model (src/io/export stays free of Model). */
function exportSourceOf(model: Model): ExportSource {
  const { runner } = internalsOf(model);
  return {
    className: model.constructor.name,
    predStepMethod: stepTableOf(Object.getPrototypeOf(model) as object).predStep,
    module: runner.dispatcher.parts.module,
    inputSpec: runner.inputSpec,
    states: () => (model.initialized ? model.states : undefined),
  };
}

function validationSource(v: ValidationData, batchSize: number): BatchSource {
  const { x, y, sampleWeight } = splitArguments(v, "fit(): validationData");
  return sourceFor("fit", x, y, { batchSize, shuffle: false, sampleWeight }).source;
}

/** A batch made of the caller's own tensors (never disposed by the runner). */
function userBatch(x: TensorTree, y: TensorTree | undefined, sampleWeight: tf.Tensor | undefined): Batch {
  return { x, y, sampleWeight, size: batchRows(x, y, sampleWeight) };
}

/** Reads logs to numbers (one device read), before the runner frees them. */
function readLogs(logs: Record<string, tf.Tensor | number>): Promise<Record<string, number>> {
  const names = Object.keys(logs);
  const stacked = tf.tidy(() => tf.stack(names.map((n) => tf.scalar(0).add(logs[n]).reshape([]))));
  return stacked.data().then((values) => {
    stacked.dispose();
    return Object.fromEntries(names.map((n, i) => [n, values[i]]));
  });
}
