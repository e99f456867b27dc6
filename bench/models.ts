// The models of the benchmark, each written the way its runner's users would write it.
import { Model, States, losses, metrics, nn, optimizers, predStep, testStep, tf, type Logs, type ModelOptions } from "elegy-ts";

export type BenchModel = "mlp" | "linear" | "cnn";
export const HIDDEN = [300, 100];

/** (a) elegy-ts, Elegy's high-level form: module + loss + metrics + optimizer, default chain. */
export function elegyDefault(model: BenchModel, options: ModelOptions = {}): Model {
  return new Model({ ...elegyParts(model), ...options });
}

/** (e) The same models as classes that build their own parts, so fit's replicas can rebuild them in worker threads. */
export class ReplicatedMLP extends Model {
  constructor(options: ModelOptions = {}) {
    super({ ...elegyParts("mlp"), ...options });
  }
}

export class ReplicatedCNN extends Model {
  constructor(options: ModelOptions = {}) {
    super({ ...elegyParts("cnn"), ...options });
  }
}

function elegyParts(model: BenchModel): ModelOptions {
  const layers =
    model === "mlp"
      ? [new nn.Flatten(), new nn.Linear(HIDDEN[0]), nn.relu, new nn.Linear(HIDDEN[1]), nn.relu, new nn.Linear(10)]
      : model === "linear"
        ? [new nn.Flatten(), new nn.Linear(10)]
        : [new nn.Conv2D(32, 3), nn.relu, new nn.MaxPool2D(2), new nn.Conv2D(64, 3), nn.relu, new nn.MaxPool2D(2), new nn.Flatten(), new nn.Linear(10)];
  return {
    module: new nn.Sequential(layers),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: metrics.sparseCategoricalAccuracy(),
    optimizer: optimizers.adam(1e-3),
  };
}

function glorot(shape: [number, number], seed: number): tf.Tensor {
  const limit = Math.sqrt(6 / (shape[0] + shape[1]));
  return tf.randomUniform(shape, -limit, limit, "float32", seed);
}

/** (b) elegy-ts with custom steps: the MLP written by hand in @predStep / @testStep. */
export class HandWrittenMLP extends Model {
  @predStep
  forward(x: tf.Tensor, states: States, initializing: boolean): [tf.Tensor, States] {
    const flat = x.reshape([x.shape[0], -1]);
    const sizes = [flat.shape[1]!, ...HIDDEN, 10];
    const params = initializing
      ? sizes.slice(1).map((out, i) => ({ w: glorot([sizes[i], out], 100 + i), b: tf.zeros([out]) }))
      : (states.netParams as Array<{ w: tf.Tensor; b: tf.Tensor }>);
    let h = flat;
    params.forEach(({ w, b }, i) => {
      h = h.matMul(w).add(b);
      if (i < params.length - 1) h = tf.relu(h);
    });
    return [h, states.update({ netParams: params })];
  }

  @testStep
  test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
    const [logits, next] = this.forward(x, states, initializing);
    const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(yTrue, 10), logits) as tf.Scalar;
    const accuracy = tf.mean(tf.equal(tf.argMax(logits, -1), yTrue).toFloat());
    return [loss, { loss, accuracy }, next];
  }
}

/** (d) tfjs-layers, as its users write it. */
export function layersModel(model: BenchModel): tf.LayersModel {
  const m = tf.sequential();
  if (model === "cnn") {
    m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: "relu" }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
  } else {
    m.add(tf.layers.flatten({ inputShape: [28, 28] }));
    if (model === "mlp") {
      m.add(tf.layers.dense({ units: HIDDEN[0], activation: "relu" }));
      m.add(tf.layers.dense({ units: HIDDEN[1], activation: "relu" }));
    }
  }
  m.add(tf.layers.dense({ units: 10, activation: "softmax" }));
  m.compile({ optimizer: tf.train.adam(1e-3), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}

/** (c) The hand-written tfjs loop's forward pass over tf.variables. */
export function handForward(model: BenchModel, vars: tf.Variable[], x: tf.Tensor): tf.Tensor {
  if (model === "cnn") {
    const [k1, c1, k2, c2, w, b] = vars;
    let h: tf.Tensor = tf.maxPool(tf.relu(tf.conv2d(x.reshape([x.shape[0], 28, 28, 1]) as tf.Tensor4D, k1 as tf.Tensor4D, 1, "valid").add(c1)) as tf.Tensor4D, 2, 2, "valid");
    h = tf.maxPool(tf.relu(tf.conv2d(h as tf.Tensor4D, k2 as tf.Tensor4D, 1, "valid").add(c2)) as tf.Tensor4D, 2, 2, "valid");
    return h.reshape([x.shape[0], -1]).matMul(w).add(b);
  }
  let h = x.reshape([x.shape[0], -1]);
  for (let i = 0; i < vars.length; i += 2) {
    h = h.matMul(vars[i]).add(vars[i + 1]);
    if (i < vars.length - 2) h = tf.relu(h);
  }
  return h;
}

export function handVariables(model: BenchModel): tf.Variable[] {
  if (model === "cnn") {
    const k = (shape: number[], fanIn: number, fanOut: number, seed: number) =>
      tf.variable(tf.randomUniform(shape, -Math.sqrt(6 / (fanIn + fanOut)), Math.sqrt(6 / (fanIn + fanOut)), "float32", seed));
    return [k([3, 3, 1, 32], 9, 288, 1), tf.variable(tf.zeros([32])), k([3, 3, 32, 64], 288, 576, 2), tf.variable(tf.zeros([64])),
      k([1600, 10], 1600, 10, 3), tf.variable(tf.zeros([10]))];
  }
  const sizes = model === "mlp" ? [784, ...HIDDEN, 10] : [784, 10];
  return sizes.slice(1).flatMap((out, i) => [tf.variable(glorot([sizes[i], out], 10 + i)), tf.variable(tf.zeros([out]))]);
}
