// trainOnBatch and testOnBatch report the batch they are given, as Keras' train_on_batch and
// test_on_batch do with reset_metrics=True: the metric and loss states are zeroed at the start
// of each call, so neither an earlier call nor fit's last epoch leaks into the numbers.
// `resetMetrics: false` keeps accumulating. A loop of them still replays (src/trace).
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyInputError, Model, States, losses, metrics, nn, optimizers, tf } from "elegy-ts";
import { internalsOf } from "../../src/model/model";
import { leafPaths } from "../../src/tree";

function wide(runEagerly?: boolean): Model {
  return new Model({
    module: new nn.Sequential([new nn.Linear(16), nn.relu, new nn.Linear(3)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: metrics.sparseCategoricalAccuracy(),
    optimizer: optimizers.adam(1e-2),
    seed: 5,
    backend: "wasm",
    runEagerly,
  });
}

/** Three overlapping Gaussian blobs in 4-D, labels 0..2. */
function blobs(n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor1D } {
  return tf.tidy(() => {
    const y = tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 3), "int32");
    const centers = tf.tensor2d([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]);
    const x = tf.gather(centers, y).add(tf.randomNormal([n, 4], 0, 0.8, "float32", seed)) as tf.Tensor2D;
    return { x, y };
  });
}

const replayed = (model: Model) => internalsOf(model).runner.traced.replayed;

function assertSameStates(a: States, b: States): void {
  const paths = (s: States) => leafPaths([s.netParams, s.netStates, s.optimizerStates, s.metricsStates]);
  const [left, right] = [paths(a), paths(b)];
  assert.deepEqual(left.map(([p]) => p), right.map(([p]) => p));
  left.forEach(([path, t], i) => assert.deepEqual(t.dataSync(), right[i][1].dataSync(), `leaf ${path} differs`));
}

test("testOnBatch after fit returns evaluate's numbers on that batch, every time", async () => {
  const a = blobs(300, 3);
  const b = blobs(32, 11);
  const model = wide();
  await model.fit(a.x, a.y, { epochs: 1, verbose: 0 });
  const evaluated = await model.evaluate(b.x, b.y, { batchSize: 32 });
  // evaluate itself counts the batch once: its accuracy is a count over 32 rows.
  assert.equal(Math.round(evaluated.sparse_categorical_accuracy * 32), evaluated.sparse_categorical_accuracy * 32);
  const first = await model.testOnBatch(b.x, b.y);
  const second = await model.testOnBatch(b.x, b.y);
  assert.deepEqual(first, evaluated);
  assert.deepEqual(second, evaluated);
  // Still the batch's own after a trainOnBatch on other data moved nothing but the states' sums.
  const before = await model.evaluate(a.x, a.y, { batchSize: 300 });
  const trained = await model.trainOnBatch(a.x, a.y);
  assert.equal(trained.sparse_categorical_accuracy, before.sparse_categorical_accuracy);
  assert.ok(Math.abs(trained.loss - before.loss) < 1e-6, `trainOnBatch loss ${trained.loss} vs the batch's loss before the step ${before.loss}`);
  tf.dispose([a.x, a.y, b.x, b.y]);
  model.dispose();
});

test("trainOnBatch in a loop: each call's loss is its batch's before the update, not a running mean", async () => {
  const { x, y } = blobs(320, 2);
  const model = wide();
  for (let i = 0; i < 10; i++) {
    const [bx, by] = [x.slice(i * 32, 32), y.slice(i * 32, 32)];
    if (i > 0) {
      const expected = await model.evaluate(bx, by, { batchSize: 32 });
      const logs = await model.trainOnBatch(bx, by);
      assert.equal(logs.sparse_categorical_accuracy, expected.sparse_categorical_accuracy, `batch ${i} accuracy`);
      assert.ok(Math.abs(logs.loss - expected.loss) < 1e-6, `batch ${i}: loss ${logs.loss}, the batch's ${expected.loss}`);
      const after = await model.evaluate(bx, by, { batchSize: 32 });
      assert.ok(after.loss < expected.loss, `batch ${i}: the step lowered its batch's loss (${expected.loss} → ${after.loss})`);
    } else {
      await model.trainOnBatch(bx, by); // initializes
    }
    tf.dispose([bx, by]);
  }
  tf.dispose([x, y]);
  model.dispose();
});

test("resetMetrics: false keeps accumulating, as Keras' reset_metrics=False; the next default call and evaluate start afresh", async () => {
  const { x, y } = blobs(64, 4);
  const model = wide();
  await model.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0 });
  const [x1, y1, x2, y2] = [x.slice(0, 32), y.slice(0, 32), x.slice(32, 32), y.slice(32, 32)];
  const both = await model.evaluate(x, y, { batchSize: 32 }); // the two halves, one batch each
  await model.testOnBatch(x1, y1);
  const accumulated = await model.testOnBatch(x2, y2, { resetMetrics: false });
  assert.equal(accumulated.sparse_categorical_accuracy, both.sparse_categorical_accuracy);
  assert.ok(Math.abs(accumulated.loss - both.loss) < 1e-6, `${accumulated.loss} vs ${both.loss}`);
  const alone = await model.evaluate(x2, y2, { batchSize: 32 });
  await model.testOnBatch(x1, y1, { resetMetrics: false });
  assert.deepEqual(await model.evaluate(x2, y2, { batchSize: 32 }), alone, "evaluate resets at its start");
  await model.testOnBatch(x1, y1, { resetMetrics: false });
  assert.deepEqual(await model.testOnBatch(x2, y2), alone, "the default call resets");
  tf.dispose([x, y, x1, y1, x2, y2]);
  model.dispose();
});

test("trainOnBatch/testOnBatch refuse a resetMetrics that is not a boolean", async () => {
  const { x, y } = blobs(8, 1);
  const model = wide();
  await assert.rejects(model.trainOnBatch(x, y, { resetMetrics: "yes" as never }), (e: Error) => {
    assert.ok(e instanceof ElegyInputError);
    assert.equal(e.message, 'trainOnBatch(): resetMetrics must be true or false, got "yes".');
    return true;
  });
  await assert.rejects(model.testOnBatch(x, y, { resetMetrics: 0 as never }), {
    message: "testOnBatch(): resetMetrics must be true or false, got 0.",
  });
  await assert.rejects(model.testOnBatch(x, y, { reset_metrics: true } as never), {
    message: /testOnBatch\(\) got an unknown option 'reset_metrics'. Did you mean 'resetMetrics'\?/,
  });
  tf.dispose([x, y]);
  model.dispose();
});

test("a loop of trainOnBatch/testOnBatch with the reset still replays, bit for bit the eager loop, and leaks nothing", async () => {
  const { x, y } = blobs(32 * 12, 6);
  const fast = wide(false);
  const eager = wide(true);
  const run = async (model: Model) => {
    const logs: Array<Record<string, number>> = [];
    for (let i = 0; i < 12; i++) {
      const [bx, by] = [x.slice(i * 32, 32), y.slice(i * 32, 32)];
      logs.push(await model.trainOnBatch(bx, by), await model.testOnBatch(bx, by));
      tf.dispose([bx, by]);
    }
    return logs;
  };
  assert.deepEqual(await run(fast), await run(eager));
  assertSameStates(fast.states, eager.states);
  assert.equal(replayed(eager), 0);
  // 12 train and 12 test steps (init runs apart, eagerly): each recorded twice, then replayed.
  assert.equal(replayed(fast), 10 + 10, "the reset keeps the steps' input key: the loop replays");
  const tensors = tf.memory().numTensors;
  const before = replayed(fast);
  await run(fast);
  assert.equal(replayed(fast) - before, 24, "every call of a second loop is replayed");
  assert.equal(tf.memory().numTensors, tensors, "no tensor leaked over 24 calls");
  tf.dispose([x, y]);
  fast.dispose();
  eager.dispose();
});
