// Small models and data shared by the runtime tests.
import { Model, States, predStep, testStep, tf, type Logs, type StateTree } from "elegy-ts";

/** Linear regression y = x·w written as a test step; params: w [features, 1]. */
export class LinearRegression extends Model {
  @testStep
  test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
    const w = initializing ? tf.zeros([x.shape[1]!, 1]) : (states.netParams as tf.Tensor);
    const loss = tf.mean(tf.square(x.matMul(w).reshape([-1]).sub(yTrue))) as tf.Scalar;
    return [loss, { loss }, states.update({ netParams: w })];
  }
}

/** The same regression, as a prediction step and a test step that calls it. */
export class LinearRegressionWithPredStep extends Model {
  @predStep
  forward(x: tf.Tensor, states: States, initializing: boolean): [tf.Tensor, States] {
    const w = initializing ? tf.zeros([x.shape[1]!, 1]) : (states.netParams as tf.Tensor);
    return [x.matMul(w).reshape([-1]), states.update({ netParams: w })];
  }

  @testStep
  test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
    const [yPred, next] = this.forward(x, states, initializing);
    const loss = tf.mean(tf.square(yPred.sub(yTrue))) as tf.Scalar;
    return [loss, { loss }, next];
  }
}

/** x [n, 4] ~ N(0,1), y = x·[1, -2, 3, 0.5] (seeded). */
export function regressionData(n: number, seed = 1): { x: tf.Tensor2D; y: tf.Tensor1D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 4], 0, 1, "float32", seed) as tf.Tensor2D;
    const y = x.matMul(tf.tensor2d([[1], [-2], [3], [0.5]])).reshape([-1]) as tf.Tensor1D;
    return { x, y };
  });
}

export function tmpDir(prefix: string): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const fs = require("node:fs") as typeof import("node:fs");
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const os = require("node:os") as typeof import("node:os");
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const path = require("node:path") as typeof import("node:path");
  return fs.mkdtempSync(path.join(os.tmpdir(), `elegy-${prefix}-`));
}

/** Every tensor leaf's values, in key order, to compare trees of parameters. */
export function leafValues(tree: StateTree): number[][] {
  const out: number[][] = [];
  const walk = (t: unknown): void => {
    if (t instanceof tf.Tensor) out.push(Array.from(t.dataSync()));
    else if (t && typeof t === "object") for (const key of Object.keys(t).sort()) walk((t as Record<string, unknown>)[key]);
  };
  walk(tree);
  return out;
}
