// model.apply(x, { training, states }): the prediction chain, synchronously, without changing
// the model — outside any step, and inside another model's step, where gradients flow through
// it to x and never to the applied model's own parameters.
import test from "node:test";
import assert from "node:assert/strict";
import {
  ElegyInputError, ElegyMissingStepError, callbacks, ElegyNotInitializedError, Model, States, losses, nn, optimizers, predStep, testStep, tf,
  type Logs,
} from "elegy-ts";
import { leafValues } from "../support/models";

const cpu = { backend: "cpu" } as const;

function mlp(seed: number): Model {
  return new Model({ module: new nn.Sequential([new nn.Linear(8), nn.tanh, new nn.Linear(3)]), seed, ...cpu });
}

function data(n: number, seed = 1): tf.Tensor2D {
  return tf.randomNormal([n, 4], 0, 1, "float32", seed) as tf.Tensor2D;
}

function close(a: tf.Tensor, b: tf.Tensor, tolerance = 1e-6): void {
  assert.deepEqual(a.shape, b.shape);
  const [u, v] = [a.dataSync(), b.dataSync()];
  u.forEach((value, i) => assert.ok(Math.abs(value - v[i]) <= tolerance, `element ${i}: ${value} vs ${v[i]}`));
}

test("apply outside a step: predict's output, synchronously; the States and the rng are untouched; nothing leaks", async () => {
  const model = mlp(3);
  const x = data(10);
  await model.init(x);
  const before = model.states;
  const rng = before.rng.state;
  const predicted = (await model.predict(x)) as tf.Tensor;
  const counted = tf.memory().numTensors;
  const applied = model.apply(x) as tf.Tensor;
  close(applied, predicted);
  applied.dispose();
  assert.equal(tf.memory().numTensors, counted, "apply keeps nothing besides its result");
  assert.equal(model.states.netParams, before.netParams);
  assert.deepEqual(model.states.rng.state, rng);
  tf.dispose([x, predicted]);
});

test("apply: training reaches the module, and the new States it produces are dropped (rng included)", async () => {
  const model = new Model({ module: new nn.Sequential([new nn.Linear(6), new nn.BatchNorm(), new nn.Dropout(0.5), new nn.Linear(2)]), ...cpu });
  const x = data(16, 2);
  await model.init(x);
  const states = model.states;
  const running = leafValues(states.netStates);
  const rng = states.rng.state;
  const inference = model.apply(x) as tf.Tensor;
  const training = model.apply(x, { training: true }) as tf.Tensor;
  // In training mode BatchNorm normalizes with the batch's own statistics: another output.
  assert.ok(Math.abs(inference.sub(training).abs().max().dataSync()[0]) > 1e-3);
  assert.equal(model.states, states, "the model's States are the same object");
  assert.deepEqual(leafValues(model.states.netStates), running, "BatchNorm's running statistics did not move");
  assert.deepEqual(model.states.rng.state, rng, "Dropout drew its mask from a copy of the rng");
  const again = model.apply(x, { training: true }) as tf.Tensor;
  close(again, training, 0);
  again.dispose();
  tf.dispose([x, inference, training]);
});

test("apply with states: predicts with the given States (those of another model of the same architecture)", async () => {
  const [a, b] = [mlp(1), mlp(2)];
  const x = data(5);
  await a.init(x);
  await b.init(x);
  const own = b.apply(x) as tf.Tensor;
  const withA = b.apply(x, { states: a.states }) as tf.Tensor;
  const fromA = a.apply(x) as tf.Tensor;
  close(withA, fromA);
  assert.ok(own.sub(fromA).abs().max().dataSync()[0] > 1e-3, "different seeds, different params");
  tf.dispose([x, own, withA, fromA]);
});

test("apply: a model's own @predStep runs, and a result that is one of its inputs is handed out as a copy", async () => {
  class Identity extends Model {
    calls = 0;
    @predStep
    same(x: tf.Tensor, states: States): [tf.Tensor, States] {
      this.calls++;
      return [x, states];
    }
  }
  const model = new Identity(cpu);
  const x = data(3);
  await model.init(x);
  const y = model.apply(x) as tf.Tensor;
  assert.equal(model.calls, 2, "once to initialize, once for apply");
  assert.notEqual(y, x);
  y.dispose();
  assert.ok(!x.isDisposed, "disposing apply's result leaves the caller's x alone");
  x.dispose();
});

test("apply inside a gradient: it flows through the model to x (here through Linear's fused kernel)", async () => {
  const teacher = new Model({ module: new nn.Linear(3), seed: 5, ...cpu });
  const x = data(12, 3);
  await teacher.init(x);
  const { kernel, bias } = teacher.states.netParams as { kernel: tf.Tensor2D; bias: tf.Tensor1D };
  const expected = tf.grad((input: tf.Tensor) => tf.sum(tf.add(tf.matMul(input as tf.Tensor2D, kernel), bias)))(x);
  const throughApply = tf.grad((input: tf.Tensor) => tf.sum(teacher.apply(input) as tf.Tensor))(x);
  close(throughApply, expected, 1e-6);
  assert.ok(expected.abs().sum().dataSync()[0] > 0);
  tf.dispose([x, expected, throughApply]);
});

test("apply inside another model's step: the student trains as against a constant target; the teacher is untouched", async () => {
  const teacher = new Model({ module: new nn.Sequential([new nn.Linear(8), nn.tanh, new nn.Linear(3)]), seed: 5, ...cpu });
  const x = data(12, 3);
  await teacher.init(x);
  const teacherStates = teacher.states;
  const teacherParams = leafValues(teacherStates.netParams);

  // The student's loss depends on teacher.apply(x), inside its own step (under the default gradStep's tape).
  class Student extends Model {
    @testStep
    match(x: tf.Tensor, states: States, teacher: Model): [tf.Scalar, Logs, States] {
      const [mine, next] = this.runStep("predStep", { states });
      const loss = tf.losses.meanSquaredError(teacher.apply(x) as tf.Tensor, mine as tf.Tensor) as tf.Scalar;
      return [loss, { loss }, next];
    }
  }
  const student = new Student({ module: new nn.Linear(3), optimizer: optimizers.sgd(0.1), seed: 9, ...cpu });
  student.provide("teacher", teacher);
  const initial = leafValues((await student.init(x)).netParams);
  const counts: number[] = [];
  const options = { epochs: 4, batchSize: 12, shuffle: false, verbose: 0 as const };
  await student.fit(x, undefined, { ...options, callbacks: [callbacks.lambda({ onEpochEnd: () => void counts.push(tf.memory().numTensors) })] });

  // The same student trained by the default chain on the teacher's predictions, computed once, as targets.
  const target = teacher.apply(x) as tf.Tensor;
  const reference = new Model({ module: new nn.Linear(3), loss: losses.meanSquaredError(), optimizer: optimizers.sgd(0.1), seed: 9, ...cpu });
  await reference.fit(x, target, options);

  const [got, want] = [leafValues(student.states.netParams), leafValues(reference.states.netParams)];
  got.forEach((leaf, i) => leaf.forEach((v, k) => assert.ok(Math.abs(v - want[i][k]) < 1e-5, `param ${i}[${k}]: ${v} vs ${want[i][k]}`)));
  assert.ok(got[0].some((v, k) => Math.abs(v - initial[0][k]) > 1e-3), "the student learned");
  assert.equal(teacher.states, teacherStates, "the teacher's States are the same object");
  assert.deepEqual(leafValues(teacher.states.netParams), teacherParams, "and hold the same values");
  assert.equal(new Set(counts).size, 1, `tensors per epoch: ${counts}`);
  tf.dispose([x, target]);
});

test("apply: an uninitialized model, a model without a prediction step, and bad options are refused in words", () => {
  assert.throws(() => mlp(1).apply(tf.zeros([2, 4])), (error: Error) => {
    assert.ok(error instanceof ElegyNotInitializedError);
    assert.equal(
      error.message,
      "Model cannot apply: it has no parameters yet. Model is not initialized. Initialize it first: await model.init(x, y) runs " +
        "the prediction step alone (the module's init) once with initializing = true; fit, evaluate and predict initialize it the same way on their first batch.",
    );
    return true;
  });
  assert.throws(() => new Model({ loss: losses.meanSquaredError(), ...cpu }).apply(tf.zeros([2, 4])), (error: Error) => {
    assert.ok(error instanceof ElegyMissingStepError);
    assert.equal(error.message, "Model cannot apply: it has no prediction step. Define a method decorated with @predStep, or pass a module: new Model({ module }).");
    return true;
  });
  assert.throws(() => mlp(1).apply(tf.zeros([2, 4]), { trainig: true } as never), (error: Error) => {
    assert.ok(error instanceof ElegyInputError);
    assert.equal(error.message, "apply() got an unknown option 'trainig'. Did you mean 'training'? Valid options: training, states.");
    return true;
  });
  assert.throws(() => mlp(1).apply(tf.zeros([2, 4]), { states: {} as never }), /^ElegyInputError: Model\.apply\(\): states must be a States \(for instance model\.states\), got object\.$/);
});

test("apply with states that hold no parameters says so", async () => {
  const model = mlp(1);
  await model.init(data(2));
  assert.throws(() => model.apply(data(2), { states: new States() }), (error: Error) => {
    assert.ok(error instanceof ElegyNotInitializedError);
    assert.equal(
      error.message,
      "Model cannot apply: its module has no parameters (states.netParams is undefined). The states given to apply() hold none: " +
        "pass the states of an initialized Model, or leave states out.",
    );
    return true;
  });
});
