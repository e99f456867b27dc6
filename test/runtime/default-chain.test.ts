// The default chain trainStep → gradStep → testStep → predStep, and overrides at each link.
import test from "node:test";
import assert from "node:assert/strict";
import {
  ElegyMissingStepError, Model, States, gradStep, losses, metrics, nn, optimizers, predStep, tf, trainStep, type Logs,
} from "elegy-ts";
import { regressionData } from "../support/models";
import { untaped } from "../../src/autodiff/untaped";
import { LinearClassifier } from "../../examples/linear-classifier";

const regression = () => ({
  module: new nn.Linear(1),
  loss: losses.meanSquaredError(),
  metrics: metrics.meanAbsoluteError(),
  optimizer: optimizers.adam(0.05),
  backend: "cpu",
});
const column = (y: tf.Tensor) => y.reshape([-1, 1]);

test("default chain: module + loss + metrics + optimizer train without any override", async () => {
  const { x, y } = regressionData(256);
  const model = new Model(regression());
  const history = await model.fit(x, column(y), { epochs: 30, batchSize: 32, verbose: 0 });
  assert.deepEqual(Object.keys(history.history), ["loss", "mean_squared_error_loss", "mean_absolute_error", "lr"]);
  assert.ok(history.history.loss[29] < 0.01, `loss ${history.history.loss[29]}`);
  const params = model.states.netParams as Record<string, tf.Tensor>;
  const kernel = Array.from(Object.values(params).find((t) => t.shape.length === 2)!.dataSync());
  kernel.forEach((w, i) => assert.ok(Math.abs(w - [1, -2, 3, 0.5][i]) < 0.05, `learned weight ${i}: ${w}`));
  const logs = await model.evaluate(x, column(y));
  assert.deepEqual(Object.keys(logs), ["loss", "mean_squared_error_loss", "mean_absolute_error"]);
  const pred = (await model.predict(x)) as tf.Tensor;
  assert.deepEqual(pred.shape, [256, 1]);
  tf.dispose([x, y, pred]);
});

test("default chain: an overridden predStep serves the default test, grad and train steps", async () => {
  class Custom extends Model {
    calls = 0;
    @predStep
    forward(x: tf.Tensor, states: States, initializing: boolean): [tf.Tensor, States] {
      this.calls++;
      const w = initializing ? tf.zeros([4, 1]) : (states.netParams as tf.Tensor);
      return [x.matMul(w), states.update({ netParams: w })];
    }
  }
  const { x, y } = regressionData(128);
  const model = new Custom({ loss: losses.meanSquaredError(), optimizer: optimizers.adam(0.1), backend: "cpu" });
  const history = await model.fit(x, column(y), { epochs: 20, batchSize: 32, verbose: 0 });
  assert.ok(model.calls >= 20 * 4, "the override ran for every batch");
  assert.ok(history.history.loss[19] < history.history.loss[0] / 10);
  tf.dispose([x, y]);
});

test("default chain: an overridden gradStep (gradient clipping by hand) is used by the default trainStep", async () => {
  class Clipped extends Model {
    norms: number[] = [];
    @gradStep
    grads(x: tf.Tensor, yTrue: tf.Tensor, states: States): [tf.Scalar, Logs, States, tf.Tensor] {
      const w = states.netParams as tf.Tensor;
      const lossOf = (wv: tf.Tensor) => tf.losses.meanSquaredError(yTrue, x.matMul(wv)) as tf.Scalar;
      const { value, grad } = tf.valueAndGrad(lossOf)(w);
      const clipped = tf.clipByValue(grad, -0.1, 0.1);
      return [value, { loss: value, max_grad: tf.max(tf.abs(clipped)) }, states, clipped];
    }
    @predStep
    p(x: tf.Tensor, states: States, initializing: boolean): [tf.Tensor, States] {
      const w = initializing ? tf.zeros([4, 1]) : (states.netParams as tf.Tensor);
      return [x.matMul(w), states.update({ netParams: w })];
    }
  }
  const { x, y } = regressionData(64);
  const model = new Clipped({ loss: losses.meanSquaredError(), optimizer: optimizers.sgd(1), backend: "cpu" });
  const history = await model.fit(x, column(y), { epochs: 1, batchSize: 64, verbose: 0 });
  assert.ok(history.history.max_grad[0] <= 0.1 + 1e-7);
  assert.ok(Array.from((model.states.netParams as tf.Tensor).dataSync()).every((w) => Math.abs(w) <= 0.1 + 1e-6), "sgd(1) moved each weight by at most the clip");
  tf.dispose([x, y]);
});

test("default chain: a trainStep override gets the whole step (two optimizers would go here)", async () => {
  class Manual extends Model {
    @trainStep
    t(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [Logs, States] {
      const w = initializing ? tf.zeros([4, 1]) : (states.netParams as tf.Tensor);
      const { value, grad } = tf.valueAndGrad((wv: tf.Tensor) => tf.losses.meanSquaredError(yTrue, x.matMul(wv)) as tf.Scalar)(w);
      return [{ loss: value }, states.update({ netParams: w.sub(grad.mul(0.1)) })];
    }
  }
  const { x, y } = regressionData(64);
  const model = new Manual({ backend: "cpu" });
  const history = await model.fit(x, column(y), { epochs: 20, batchSize: 16, verbose: 0 });
  assert.ok(history.history.loss[19] < history.history.loss[0] / 10);
  tf.dispose([x, y]);
});

test("default chain: what is missing is named — @predStep for predict, loss for fit, optimizer for fit", async () => {
  const { x, y } = regressionData(8);
  await assert.rejects(new LinearClassifier({ backend: "cpu" }).predict(x), (e: Error) =>
    e instanceof ElegyMissingStepError &&
    e.message === "LinearClassifier cannot predict: it has no prediction step. Define a method decorated with @predStep, or pass a module: new Model({ module }).");
  await assert.rejects(new Model({ module: new nn.Linear(1), backend: "cpu" }).fit(x, column(y), { verbose: 0 }), (e: Error) =>
    e.message === "Model cannot fit: it has no @trainStep and cannot derive one (no loss). Define a method decorated with @testStep (or @gradStep / @trainStep), or pass a loss: new Model({ module, loss }).");
  await assert.rejects(new Model({ module: new nn.Linear(1), loss: losses.meanSquaredError(), backend: "cpu" }).fit(x, column(y), { verbose: 0 }), (e: Error) =>
    e.message === "Model cannot fit: it has no optimizer. Pass one, e.g. new Model({ optimizer: optimizers.adam(1e-3) }), or override @trainStep.");
  tf.dispose([x, y]);
});

test("default chain: a model with only a predStep (no loss, no optimizer) can init and predict", async () => {
  class OnlyPred extends Model {
    @predStep
    p(x: tf.Tensor, states: States, initializing: boolean): [tf.Tensor, States] {
      const scale = initializing ? tf.scalar(2) : (states.netParams as tf.Tensor);
      return [x.mul(scale), states.update({ netParams: scale })];
    }
  }
  const model = new OnlyPred({ backend: "cpu" });
  await model.init(tf.ones([2, 3]));
  const out = (await model.predict(tf.ones([5, 3]), { batchSize: 2 })) as tf.Tensor;
  assert.deepEqual(out.arraySync(), Array(5).fill([2, 2, 2]));
  out.dispose();
});

test("default chain: sampleWeight is cut per batch and weights the loss", async () => {
  const x = tf.tensor2d([[1], [1], [1], [1]]);
  const y = tf.tensor2d([[0], [0], [4], [4]]);
  const model = new Model({ module: new nn.Linear(1, { useBias: false }), loss: losses.meanSquaredError(), optimizer: optimizers.sgd(0.05), backend: "cpu" });
  // Only the last two samples count: the weight must go to 4.
  await model.fit(x, y, { epochs: 200, batchSize: 2, verbose: 0, shuffle: false, sampleWeight: tf.tensor1d([0, 0, 1, 1]) });
  const w = Array.from(leafOf(model.states.netParams).dataSync())[0];
  assert.ok(Math.abs(w - 4) < 0.05, `weight ${w}`);
  tf.dispose([x, y]);
});

function leafOf(tree: unknown): tf.Tensor {
  if (tree instanceof tf.Tensor) return tree;
  return leafOf(Object.values(tree as Record<string, unknown>)[0]);
}

test("summary(): Keras-style table of the module with output shapes and parameter counts", async () => {
  const model = new Model({ module: new nn.Sequential([new nn.Flatten(), new nn.Linear(300), nn.relu, new nn.Linear(10)]), backend: "cpu" });
  assert.throws(() => model.summary(() => undefined), /is not initialized: call init\(x\)/);
  await model.init(tf.zeros([2, 28, 28]));
  const text = model.summary(() => undefined);
  assert.match(text, /flatten \(Flatten\)\s+\(None, 784\)\s+0/);
  assert.match(text, /linear \(Linear\)\s+\(None, 300\)\s+235,500/);
  assert.match(text, /linear_1 \(Linear\)\s+\(None, 10\)\s+3,010/);
  assert.match(text, /238,510/);
});

test("default chain: metrics and running loss means are off the gradient tape; the loss itself is on it", async () => {
  // untaped values carry no gradient: d/dx [2x + untaped(x²)] = 2, not 2 + 2x.
  const x = tf.scalar(3);
  const g = tf.grad((v: tf.Tensor) => tf.add(tf.mul(v, 2), untaped(() => tf.square(v))))(x);
  assert.equal(g.dataSync()[0], 2);
  // In a default train step the tape holds the loss's ops only: no metric or running-mean op
  // is differentiated (ArgMax/Equal of the accuracy, Maximum/Select of its running mean).
  const model = new Model({
    module: new nn.Linear(3), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: metrics.sparseCategoricalAccuracy(), optimizer: optimizers.sgd(0.1), backend: "cpu",
  });
  const data = tf.randomNormal([16, 4], 0, 1, "float32", 7);
  const labels = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], "int32");
  await model.fit(data, labels, { epochs: 1, batchSize: 16, verbose: 0 });
  const taped: string[] = [];
  const engine = tf.engine() as unknown as { addTapeNode: (name: string, ...rest: unknown[]) => void };
  const addTapeNode = engine.addTapeNode;
  engine.addTapeNode = function (name: string, ...rest: unknown[]) {
    taped.push(name);
    return addTapeNode.call(this, name, ...rest);
  };
  try {
    const history = await model.fit(data, labels, { epochs: 1, batchSize: 16, verbose: 0 });
    assert.deepEqual(Object.keys(history.history), ["loss", "sparse_categorical_crossentropy_loss", "sparse_categorical_accuracy", "lr"]);
  } finally {
    engine.addTapeNode = addTapeNode;
  }
  // The Linear layer's forward (its fused matMul + bias kernel) is on the tape.
  assert.ok(taped.includes("ElegyDenseBiasAct"), `taped: ${taped.join(", ")}`);
  for (const name of ["ArgMax", "Equal", "Select", "Maximum", "Greater"]) assert.ok(!taped.includes(name), `${name} was taped: ${taped.join(", ")}`);
  tf.dispose([x, g, data, labels]);
});
