// Unknown option keys: every public factory and constructor that takes an options object refuses
// a key it does not know (plain JavaScript, or `as any`, would otherwise drop it and train with
// the default), names itself as the user wrote it, and points Keras' snake_case to our name.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ElegyInputError, Model, callbacks, datasets, losses, metrics, nn, optimizers, report, tf } from "elegy-ts";
import { LinearRegression, regressionData, tmpDir } from "../support/models";

/** Calls `f` with an options object that the types would refuse, as plain JavaScript can. */
const loose = (options: Record<string, unknown>): never => options as never;

function refused(run: () => unknown, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ElegyInputError, `expected an ElegyInputError, got ${String(error)}`);
    assert.equal(error.message, message);
    return true;
  });
}

test("losses.sparseCategoricalCrossentropy({ from_logits }) is refused, pointing to fromLogits", () => {
  refused(
    () => losses.sparseCategoricalCrossentropy(loose({ from_logits: true })),
    "losses.sparseCategoricalCrossentropy() got an unknown option 'from_logits'. Did you mean 'fromLogits'? " +
      "Valid options: weight, reduction, on, name, fromLogits.",
  );
});

test("optimizers.adam({ learning_rate }) is refused, pointing to learningRate; adam(0.1) and adam({ learningRate }) still work", () => {
  refused(
    () => optimizers.adam(loose({ learning_rate: 0.1 })),
    "optimizers.adam() got an unknown option 'learning_rate'. Did you mean 'learningRate'? " +
      "Valid options: learningRate, clipValue, clipNorm, globalClipNorm, beta1, beta2, epsilon.",
  );
  // The second argument (options after a rate) is checked too.
  refused(
    () => optimizers.adam(0.1, loose({ beta_1: 0.8 })),
    "optimizers.adam() got an unknown option 'beta_1'. Did you mean 'beta1'? " +
      "Valid options: learningRate, clipValue, clipNorm, globalClipNorm, beta1, beta2, epsilon.",
  );
  // Keras' older `lr` has no edit-distance neighbour: named explicitly.
  assert.throws(() => optimizers.sgd(loose({ lr: 0.1 })), /^ElegyInputError: optimizers\.sgd\(\) got an unknown option 'lr'\. Did you mean 'learningRate'\?/);
  assert.equal(optimizers.adam(0.1).name, "adam");
  assert.equal(optimizers.adam({ learningRate: 0.1, beta1: 0.8 }).name, "adam");
  assert.equal(optimizers.adam(undefined, { epsilon: 1e-6 }).name, "adam");
});

test("callbacks.htmlReport({ path }) is refused when made, pointing to file — not after the whole fit", () => {
  refused(
    () => callbacks.htmlReport(loose({ path: "report.html" })),
    "callbacks.htmlReport() got an unknown option 'path'. Did you mean 'file'? Valid options: file, title, facts.",
  );
  refused(
    () => callbacks.htmlReport(loose({})),
    "htmlReport needs a file: the HTML file to write, e.g. { file: 'runs/report.html' }.",
  );
});

test("Keras spellings of callback options point to ours; the class constructors name themselves", () => {
  refused(
    () => callbacks.earlyStopping(loose({ restore_best_weights: true })),
    "callbacks.earlyStopping() got an unknown option 'restore_best_weights'. Did you mean 'restoreBestWeights'? " +
      "Valid options: monitor, minDelta, patience, mode, baseline, restoreBestWeights, startFromEpoch, verbose.",
  );
  assert.throws(() => callbacks.modelCheckpoint(loose({ filepath: "ckpt", save_best_only: true })), /^ElegyInputError: callbacks\.modelCheckpoint\(\) got an unknown option 'save_best_only'\. Did you mean 'saveBestOnly'\?/);
  assert.throws(() => callbacks.reduceLROnPlateau(loose({ min_lr: 1e-5 })), /^ElegyInputError: callbacks\.reduceLROnPlateau\(\) got an unknown option 'min_lr'\. Did you mean 'minLr'\?/);
  assert.throws(() => callbacks.terminateOnNaN(loose({ restor: false })), /^ElegyInputError: callbacks\.terminateOnNaN\(\) got an unknown option 'restor'\. Did you mean 'restore'\?/);
  assert.throws(() => callbacks.lambda(loose({ on_epoch_end: () => undefined })), /^ElegyInputError: callbacks\.lambda\(\) got an unknown option 'on_epoch_end'\. Did you mean 'onEpochEnd'\?/);
  assert.throws(() => new callbacks.EarlyStopping(loose({ patience: 2, min_delta: 0.1 })), /^ElegyInputError: new callbacks\.EarlyStopping\(\) got an unknown option 'min_delta'\. Did you mean 'minDelta'\?/);
  assert.throws(() => new nn.Linear(4, loose({ use_bias: false })), /^ElegyInputError: new nn\.Linear\(\) got an unknown option 'use_bias'\. Did you mean 'useBias'\?/);
  // A string where the option object may be one is still fine.
  assert.equal(callbacks.terminateOnNaN().constructor.name, "TerminateOnNaN");
  assert.equal(new callbacks.TerminateOnNaN("val_loss").constructor.name, "TerminateOnNaN");
});

test("a subclass may take options of its own: only the factory and the class itself refuse them", () => {
  class Patient extends callbacks.EarlyStopping {
    constructor(readonly note: string) {
      super({ patience: 3 });
    }
  }
  assert.equal(new Patient("x").note, "x");
  class WideLinear extends nn.Linear {
    constructor(options: nn.LinearOptions & { width?: number }) {
      const { width = 8, ...rest } = options;
      super(width, rest);
    }
  }
  assert.equal(new WideLinear({ width: 3, useBias: false }).units, 3);
});

test("a refused key stops the run before training; the right key trains as asked", async () => {
  const before = tf.memory().numTensors;
  const { x, y } = regressionData(16);
  const dir = tmpDir("option-keys");
  const file = path.join(dir, "report.html");
  const model = new LinearRegression({ backend: "cpu", optimizer: optimizers.sgd(0.05) });
  assert.throws(() => model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [callbacks.htmlReport(loose({ path: file }))] }), ElegyInputError);
  await model.fit(x, y, { epochs: 1, verbose: 0, callbacks: [callbacks.htmlReport({ file })] });
  assert.ok(fs.readFileSync(file, "utf8").includes("<svg"));
  model.dispose();
  tf.dispose([x, y]);
  assert.ok(tf.memory().numTensors <= before, `tensors grew from ${before} to ${tf.memory().numTensors}`);
});

test("a loss or metric of one's own built on SampleLoss/MeanMetric: Keras keys refused there too", () => {
  refused(
    () => new losses.SampleLoss("mine", (_yTrue, yPred) => yPred, loose({ weigth: 2 })),
    "new losses.SampleLoss() got an unknown option 'weigth'. Did you mean 'weight'? Valid options: weight, reduction, on, name.",
  );
  assert.throws(() => metrics.mean(loose({ of: (_t: tf.Tensor, p: tf.Tensor) => p, sample_weight: 1 })), /^ElegyInputError: metrics\.mean\(\) got an unknown option 'sample_weight'\. Valid options: name, on, of\.$/);
  assert.equal(metrics.mean({ of: (_t, p) => p, name: "avg" }).name, "avg");
  assert.equal(losses.huber({ delta: 2, name: "h" }).name, "h");
});

test("Model's own options are refused in the same words (one shared checker)", () => {
  assert.throws(() => new Model(loose({ run_eagerly: true })), /^ElegyInputError: new Model\(\) got an unknown option 'run_eagerly'\. Did you mean 'runEagerly'\?/);
});

test("datasets.mnist({ train_size }) is refused before anything loads, pointing to trainSize", async () => {
  const message = "datasets.mnist() got an unknown option 'train_size'. Did you mean 'trainSize'? Valid options: trainSize, testSize.";
  await assert.rejects(datasets.mnist(loose({ train_size: 100 })), (error: unknown) => error instanceof ElegyInputError && error.message === message);
  refused(
    () => datasets.mnistArrays(loose({ testsize: 10 })),
    "datasets.mnistArrays() got an unknown option 'testsize'. Did you mean 'testSize'? Valid options: trainSize, testSize.",
  );
});

test("report.writeReport and report.renderReport refuse a misspelt part of the page, before writing anything; lineChart a misspelt series key", () => {
  const file = path.join(tmpDir("option-keys-report"), "report.html");
  refused(
    () => report.writeReport(file, loose({ epoch: [0], history: { loss: [1] }, facs: { model: "MLP" } })),
    "report.writeReport() got an unknown option 'facs'. Did you mean 'facts'? Valid options: title, epoch, history, facts.",
  );
  assert.equal(fs.existsSync(file), false);
  refused(
    () => report.renderReport(loose({ epoch: [0], history: { loss: [1] }, titel: "Run" })),
    "report.renderReport() got an unknown option 'titel'. Did you mean 'title'? Valid options: title, epoch, history, facts.",
  );
  refused(
    () => report.lineChart("loss", [loose({ name: "train", values: [1, 0.5], colour: "#000" })], [1, 2]),
    "report.lineChart() got an unknown option 'colour'. Did you mean 'color'? Valid options: name, values, color.",
  );
  assert.ok(report.renderReport({ epoch: [0], history: { loss: [1] }, facts: { model: "MLP" } }).includes("<dd>MLP</dd>"));
});

test("model.export(dir, { fromat }) is refused in the shared words, before the model is looked at", async () => {
  const model = new LinearRegression({ backend: "cpu", optimizer: optimizers.sgd(0.05) });
  const dir = tmpDir("option-keys-export");
  await assert.rejects(model.export(dir, loose({ fromat: "tfjs-layers" })), (error: unknown) => {
    assert.ok(error instanceof ElegyInputError, String(error));
    assert.equal(error.message, "model.export() got an unknown option 'fromat'. Did you mean 'format'? Valid options: format.");
    return true;
  });
  assert.deepEqual(fs.readdirSync(dir), []);
});

type Namespace = Record<string, unknown>;

/**
 * How to call each public factory or constructor with `options` as its options object. Every
 * exported function or class of these namespaces is either here or in NO_OPTIONS below, so a
 * new export fails this test until someone decides which it is.
 */
const CALLS: Record<string, Record<string, (options: never) => unknown>> = {
  losses: {
    ...Object.fromEntries([
      "sparseCategoricalCrossentropy", "categoricalCrossentropy", "binaryCrossentropy", "kullbackLeiblerDivergence",
      "meanSquaredError", "meanAbsoluteError", "meanAbsolutePercentageError", "meanSquaredLogarithmicError",
      "huber", "logCosh", "cosineSimilarity", "hinge", "squaredHinge", "poisson",
    ].map((name) => [name, (o: never) => (losses as unknown as Record<string, (o: never) => unknown>)[name](o)])),
    l1Regularization: (o) => losses.l1Regularization(0.01, o),
    l2Regularization: (o) => losses.l2Regularization(0.01, o),
    SampleLoss: (o) => new losses.SampleLoss("mine", (_yTrue, yPred) => yPred, o),
    Regularization: (o) => new losses.Regularization("mine", tf.abs, 0.1, o),
  },
  metrics: {
    ...Object.fromEntries([
      "mean", "sum", "accuracy", "binaryAccuracy", "categoricalAccuracy", "sparseCategoricalAccuracy",
      "topKCategoricalAccuracy", "sparseTopKCategoricalAccuracy", "sparseCategoricalCrossentropy", "categoricalCrossentropy",
      "binaryCrossentropy", "meanSquaredError", "meanAbsoluteError", "meanAbsolutePercentageError", "meanSquaredLogarithmicError",
      "rootMeanSquaredError", "precision", "recall", "f1",
    ].map((name) => [name, (o: never) => (metrics as unknown as Record<string, (o: never) => unknown>)[name](o)])),
    RootMeanSquaredError: (o) => new metrics.RootMeanSquaredError(o),
    Precision: (o) => new metrics.Precision(o),
    Recall: (o) => new metrics.Recall(o),
    F1Score: (o) => new metrics.F1Score(o),
    MeanMetric: (o) => new metrics.MeanMetric("mine", (_yTrue, yPred) => yPred, o),
    SumMetric: (o) => new metrics.SumMetric((_yTrue, yPred) => yPred, o),
  },
  optimizers: {
    sgd: (o) => optimizers.sgd(o), adam: (o) => optimizers.adam(o), adamw: (o) => optimizers.adamw(o),
    rmsprop: (o) => optimizers.rmsprop(o), adagrad: (o) => optimizers.adagrad(o),
    SGD: (o) => new optimizers.SGD(o), Adam: (o) => new optimizers.Adam(o), AdamW: (o) => new optimizers.AdamW(o),
    RMSprop: (o) => new optimizers.RMSprop(o), Adagrad: (o) => new optimizers.Adagrad(o),
    exponentialDecay: (o) => optimizers.exponentialDecay(o),
    cosineDecay: (o) => optimizers.cosineDecay(o),
    linearWarmup: (o) => optimizers.linearWarmup(o),
    piecewiseConstantDecay: (o) => optimizers.piecewiseConstantDecay(o),
  },
  callbacks: {
    lambda: (o) => callbacks.lambda(o), LambdaCallback: (o) => new callbacks.LambdaCallback(o),
    earlyStopping: (o) => callbacks.earlyStopping(o), EarlyStopping: (o) => new callbacks.EarlyStopping(o),
    modelCheckpoint: (o) => callbacks.modelCheckpoint(o), ModelCheckpoint: (o) => new callbacks.ModelCheckpoint(o),
    csvLogger: (o) => callbacks.csvLogger(o), CSVLogger: (o) => new callbacks.CSVLogger(o),
    tensorBoard: (o) => callbacks.tensorBoard(o), TensorBoard: (o) => new callbacks.TensorBoard(o),
    terminateOnNaN: (o) => callbacks.terminateOnNaN(o), TerminateOnNaN: (o) => new callbacks.TerminateOnNaN(o),
    htmlReport: (o) => callbacks.htmlReport(o), HtmlReport: (o) => new callbacks.HtmlReport(o),
    reduceLROnPlateau: (o) => callbacks.reduceLROnPlateau(o), ReduceLROnPlateau: (o) => new callbacks.ReduceLROnPlateau(o),
    ProgressBar: (o) => new callbacks.ProgressBar(o),
  },
  datasets: {
    mnist: (o) => datasets.mnist(o),
    mnistArrays: (o) => datasets.mnistArrays(o),
  },
  report: {
    renderReport: (o) => report.renderReport(o),
    writeReport: (o) => report.writeReport(path.join(tmpDir("option-keys-table"), "report.html"), o),
    // A chart's series are objects with keys of their own.
    lineChart: (o) => report.lineChart("loss", [o], [1]),
  },
  nn: {
    Linear: (o) => new nn.Linear(2, o), Conv2D: (o) => new nn.Conv2D(2, 3, o),
    MaxPool2D: (o) => new nn.MaxPool2D(2, o), AvgPool2D: (o) => new nn.AvgPool2D(2, o), GlobalAvgPool2D: (o) => new nn.GlobalAvgPool2D(o),
    Flatten: (o) => new nn.Flatten(o), Dropout: (o) => new nn.Dropout(0.5, o), BatchNorm: (o) => new nn.BatchNorm(o),
    Sequential: (o) => new nn.Sequential([], o), MLP: (o) => new nn.MLP([2], o),
    LayersAdapter: (o) => new nn.LayersAdapter(async () => { throw new Error("never loaded"); }, o),
    fromLayers: (o) => nn.fromLayers(undefined as never, o),
    summary: (o) => nn.summary(new nn.Linear(1), undefined as never, o),
    summaryRows: (o) => nn.summaryRows(new nn.Linear(1), undefined as never, o),
  },
};

/** Exports that take no options object (or only a required spec of their own), with why. */
const NO_OPTIONS: Record<string, string[]> = {
  // BaseMetric is abstract: a subclass decides what its options are. The aggregates take a spec of losses/metrics.
  losses: ["reduceValues", "makeLossAggregate", "lossLogName"],
  metrics: ["BaseMetric", "makeMetricAggregate"],
  optimizers: ["SlotOptimizer"],
  callbacks: ["Callback", "CallbackList", "History", "formatLogs", "formatPath"],
  datasets: [],
  // Positional numbers and arrays, or a history whose keys are log names.
  report: ["quantities", "niceTicks", "grayscalePng", "imageGridPng"],
  nn: [
    "BaseModule", "isModule", "relu", "relu6", "gelu", "geluApproximate", "sigmoid", "tanh", "softmax", "logSoftmax", "elu",
    "selu", "softplus", "swish", "silu", "leakyRelu", "makeLeakyRelu", "identity",
  ],
};

const NAMESPACES: Record<string, Namespace> = { losses, metrics, optimizers, callbacks, datasets, report, nn } as unknown as Record<string, Namespace>;
const isClass = (value: unknown) => typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value));

/** The error a call throws, or its promise rejects with (undefined when it succeeds). */
async function failureOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

test("every exported factory and constructor that takes options refuses a bogus key, naming itself", async () => {
  for (const [space, exports] of Object.entries(NAMESPACES)) {
    const callable = Object.keys(exports).filter((name) => typeof exports[name] === "function");
    const unlisted = callable.filter((name) => !(name in CALLS[space]) && !NO_OPTIONS[space].includes(name));
    assert.deepEqual(unlisted, [], `${space}: new exports to add to CALLS (if they take options — and then check them) or NO_OPTIONS`);
    for (const [name, call] of Object.entries(CALLS[space])) {
      assert.ok(name in exports, `${space}.${name} is no longer exported: drop it from CALLS`);
      const method = isClass(exports[name]) ? `new ${space}.${name}` : `${space}.${name}`;
      const error = await failureOf(() => call({ bogusOption: 1 } as never));
      assert.ok(error !== undefined, `${method} accepted an unknown option`);
      assert.ok(error instanceof ElegyInputError, `${method}: expected an ElegyInputError, got ${String(error)}`);
      assert.match(error.message, new RegExp(`^${method.replace(/\./g, "\\.")}\\(\\) got an unknown option 'bogusOption'\\. Valid options: `));
    }
  }
});
