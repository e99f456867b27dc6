// The seed model of Elegy's README, in both of its forms, trained on MNIST.
//   npm run demo           (4 epochs on the default backend)
import { Model, States, predStep, testStep, tf, datasets, optimizers, type Logs } from "elegy-ts";

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

/** Variant 1: the whole model lives in the test step. */
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

async function main(): Promise<void> {
  const { train, test } = await datasets.mnist();
  const model = new LinearClassifier({ optimizer: optimizers.adam(1e-3) });
  await model.fit(train.x, train.y, { epochs: 4, batchSize: 64 });
  const logs = await model.evaluate(test.x, test.y, { batchSize: 64 });
  console.log("test", JSON.stringify(logs));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
