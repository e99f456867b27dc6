// Keras and tfjs-layers habits (an optimizer from tf.train, a factory not called, class indices
// given to a one-hot loss, plain hook objects as callbacks): each is refused when the model is
// made or at the first batch, naming what was given and the call to make — or, where the habit
// is unambiguous, done as the user meant.
import test from "node:test";
import assert from "node:assert/strict";
import { Model, callbacks, losses, metrics, nn, optimizers, tf } from "elegy-ts";

const cpu = { backend: "cpu" } as const;

function classification(n = 24): { x: tf.Tensor2D; y: tf.Tensor1D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 4], 0, 1, "float32", 3) as tf.Tensor2D;
    const y = tf.cast(tf.argMax(x.slice([0, 0], [n, 3]), -1), "int32") as tf.Tensor1D;
    return { x, y };
  });
}

const net = () => new nn.Sequential([new nn.Linear(8), nn.relu, new nn.Linear(3)]);
const make = (options: object) => new Model({ ...cpu, module: net(), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }), optimizer: optimizers.adam(0.01), ...options });

test("optimizer: a tf.train optimizer, a name, the factory or class not called, or any other value is refused when the model is made", () => {
  const cases: Array<[unknown, string]> = [
    [tf.train.adam(0.01), "new Model(): optimizer is a tf.train optimizer (AdamOptimizer), which keeps its state inside itself: use optimizers.adam(0.01) from elegy-ts, which keeps its state in States (states.optimizerStates)."],
    [tf.train.sgd(0.1), "new Model(): optimizer is a tf.train optimizer (SGDOptimizer), which keeps its state inside itself: use optimizers.sgd(0.1) from elegy-ts, which keeps its state in States (states.optimizerStates)."],
    ["adam", `new Model(): optimizer is the string "adam"; elegy-ts takes optimizer objects, not names: give optimizers.adam(…), e.g. optimizers.adam(1e-3).`],
    ["Nadam", `new Model(): optimizer is the string "Nadam"; elegy-ts takes optimizer objects, not names: give one of optimizers.sgd, optimizers.adam, optimizers.adamw, optimizers.rmsprop, optimizers.adagrad, e.g. optimizers.adam(1e-3).`],
    [optimizers.adam, "new Model(): optimizer is the factory optimizers.adam itself, not an optimizer: call it, e.g. optimizers.adam(1e-3) (the learning rate or an options object)."],
    [optimizers.SGD, "new Model(): optimizer is the class optimizers.SGD, not an optimizer: make one, e.g. optimizers.sgd(1e-3)."],
    [{ lr: 0.1 }, "new Model(): optimizer is an object without init, apply and learningRate, not an optimizer: give an optimizer from elegy-ts, e.g. optimizers.adam(1e-3)."],
    [0.01, "new Model(): optimizer is number, not an optimizer: give an optimizer from elegy-ts, e.g. optimizers.adam(1e-3)."],
  ];
  for (const [optimizer, message] of cases) {
    assert.throws(() => make({ optimizer }), { name: "ElegyInputError", message });
  }
  // What the messages advise is accepted.
  make({ optimizer: optimizers.adam(0.01) }).dispose();
});

test("loss and metrics: a factory given uncalled is refused naming the call (it used to take yTrue for its options: \"unknown option 'kept'\")", () => {
  assert.throws(() => make({ loss: losses.sparseCategoricalCrossentropy }), {
    name: "ElegyInputError",
    message: "loss given is the factory losses.sparseCategoricalCrossentropy itself, not a loss: call it, as losses.sparseCategoricalCrossentropy() (its options go in the call).",
  });
  assert.throws(() => make({ loss: [losses.sparseCategoricalCrossentropy({ fromLogits: true }), losses.l2Regularization] }), {
    message: "loss at index 1 is the factory losses.l2Regularization itself, not a loss: call it, as losses.l2Regularization() (its options go in the call).",
  });
  assert.throws(() => make({ metrics: { acc: metrics.accuracy } }), {
    message: "metric 'acc' is the factory metrics.accuracy itself, not a metric: call it, as metrics.accuracy() (its options go in the call).",
  });
  // A function of one's own is still a per-sample loss or metric.
  const squares = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mean(tf.square(tf.sub(yPred, tf.oneHot(yTrue, 3))), -1);
  const hits = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.cast(tf.equal(yTrue, tf.argMax(yPred, -1)), "float32");
  make({ loss: squares, metrics: [hits] }).dispose();
});

test("fit: categoricalCrossentropy with class-index labels is refused naming the sparse loss; metrics.accuracy() with them reports sparse accuracy", async () => {
  const { x, y } = classification();
  const before = tf.memory().numTensors;
  const wrong = make({ loss: losses.categoricalCrossentropy({ fromLogits: true }) });
  await assert.rejects(wrong.fit(x, y, { verbose: 0, batchSize: 8 }), {
    name: "ElegyInputError",
    message: "categorical_crossentropy expects one-hot targets of shape [8, 3], got class indices of shape [8]: use losses.sparseCategoricalCrossentropy({ fromLogits: true }) for class indices, or one-hot the labels (tf.oneHot(labels, 3)).",
  });
  wrong.dispose();
  const model = make({ metrics: [metrics.accuracy(), metrics.sparseCategoricalAccuracy()] });
  const history = await model.fit(x, y, { verbose: 0, batchSize: 8, epochs: 3 });
  assert.deepEqual(history.history.accuracy, history.history.sparse_categorical_accuracy);
  assert.ok(history.history.accuracy[2] > 0, `a real accuracy: ${history.history.accuracy}`);
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
});
