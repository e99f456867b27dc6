// The seed model of Elegy's README, in both of its forms, trained on MNIST with the seed's
// setup: 4 epochs, batches of 64, Adam at 1e-3.
//   npm run demo                                                  (the first class, LinearClassifier)
//   elegy-ts train examples/linear-classifier.ts --model LinearClassifierWithPredStep
import { Model, States, predStep, testStep, tf, datasets, optimizers, trainer, type Logs, type TrainerOptions } from "elegy-ts";

const NUM_CLASSES = 10;

/** The seed's initial parameters: uniform weights and bias with fixed seeds 42 and 69. */
function initialParams(inputSize: number): [tf.Tensor2D, tf.Tensor1D] {
  return [tf.randomUniform([inputSize, NUM_CLASSES], 0, 1, "float32", 42), tf.randomUniform([1], 0, 1, "float32", 69)];
}

function crossentropyAndAccuracy(logits: tf.Tensor, yTrue: tf.Tensor): [tf.Scalar, tf.Scalar] {
  const labels = tf.oneHot(yTrue.toInt(), NUM_CLASSES);
  const loss = tf.mean(tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1))) as tf.Scalar;
  const accuracy = tf.mean(tf.equal(tf.argMax(logits, -1), yTrue.toInt()).toFloat()) as tf.Scalar;
  return [loss, accuracy];
}

/** How the trainer trains either variant (the class bodies stay exactly the seed's). */
const seedTraining = (): TrainerOptions => ({
  data: () => datasets.mnist(),
  epochs: 4,
  batchSize: 64,
  modelOptions: { optimizer: optimizers.adam(1e-3) },
});

/** Variant 1: the whole model lives in the test step. */
@trainer(seedTraining())
export class LinearClassifier extends Model {
  @testStep
  test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
    const flat = x.reshape([x.shape[0], -1]).div(255);
    const [w, b] = initializing ? initialParams(flat.shape[1]!) : (states.netParams as [tf.Tensor, tf.Tensor]);
    const logits = flat.matMul(w).add(b);
    const [loss, accuracy] = crossentropyAndAccuracy(logits, yTrue);
    return [loss, { accuracy, loss }, states.update({ netParams: [w, b] })];
  }
}

/** Variant 2: a prediction step, and a test step that calls it. */
@trainer(seedTraining())
export class LinearClassifierWithPredStep extends Model {
  @predStep
  forward(x: tf.Tensor, states: States, initializing: boolean): [tf.Tensor, States] {
    const flat = x.reshape([x.shape[0], -1]).div(255);
    const [w, b] = initializing ? initialParams(flat.shape[1]!) : (states.netParams as [tf.Tensor, tf.Tensor]);
    return [flat.matMul(w).add(b), states.update({ netParams: [w, b] })];
  }

  @testStep
  test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
    const [logits, next] = this.forward(x, states, initializing);
    const [loss, accuracy] = crossentropyAndAccuracy(logits, yTrue);
    return [loss, { accuracy, loss }, next];
  }
}
