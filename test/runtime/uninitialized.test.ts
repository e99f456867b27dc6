// Errors caused by missing parameters name the model, the call, and what initializes (or
// initialized) it — the chain that call runs on its first batch — instead of the words of
// whatever deep part first tripped over the missing parameters.
import test from "node:test";
import assert from "node:assert/strict";
import {
  ElegyNotInitializedError, Model, States, initStep, losses, nn, optimizers, predStep, tf, trainStep, type Logs,
} from "elegy-ts";

const cpu = { backend: "cpu" } as const;
const x = () => tf.ones([4, 3]);
const y = () => tf.ones([4, 1]);

/** The MLP kept as a field: its @predStep applies it, its @trainStep creates its params while initializing. */
class MLP extends Model {
  mlp = new nn.Sequential([new nn.Linear(8), nn.relu, new nn.Linear(1)], { name: "mlp" });

  @predStep
  forward(x: tf.Tensor, states: States): [tf.Tensor, States] {
    const [yPred] = this.mlp.apply(states.netParams, states.netStates, x, { training: false, rng: states.rng });
    return [yPred as tf.Tensor, states];
  }

  @trainStep
  train(x: tf.Tensor, states: States, initializing: boolean): [Logs, States] {
    if (!initializing) return [{}, states];
    const created = this.mlp.init(states.rng, x);
    return [{}, states.update({ netParams: created.params, netStates: created.states })];
  }
}

/** A module for the default predStep, and a @trainStep that forgets to create its params. */
class Forgetful extends Model {
  @trainStep
  train(states: States): [Logs, States] {
    return [{}, states];
  }
}

/** An @initStep that creates nothing. */
class EmptyInit extends Model {
  @initStep
  start(states: States): States {
    return states;
  }
}

async function refused(promise: Promise<unknown> | (() => unknown), message: string): Promise<void> {
  const check = (error: Error) => {
    assert.ok(error instanceof ElegyNotInitializedError, `${error.name}: ${error.message}`);
    assert.equal(error.message, message);
    return true;
  };
  if (typeof promise === "function") assert.throws(promise, check);
  else await assert.rejects(promise, check);
}

test("predict before fit: the step that failed while predict initialized the model, and the chains that create params", async () => {
  const model = new MLP(cpu);
  await refused(
    model.predict(x()),
    "MLP cannot predict: mlp was given no params (undefined). " +
      "It happened while MLP was being initialized on the first batch of predict, with the prediction step alone (@predStep MLP.forward), " +
      "called with initializing = true. Create the parameters in that chain when initializing is true (return states.update({ netParams })), " +
      "define an @initStep, or initialize with the train chain first: await model.init(x, y).",
  );
  assert.equal(model.initialized, false);
  // The advice holds: init(x, y) runs the train chain, which creates the params; then predict works.
  await model.init(x(), y());
  const yPred = (await model.predict(x())) as tf.Tensor;
  assert.deepEqual(yPred.shape, [4, 1]);
  yPred.dispose();
});

test("a step that creates no params: the later call names the init that ran and its chain", async () => {
  await refused(
    new Forgetful({ module: new nn.Linear(1), loss: losses.meanSquaredError(), ...cpu }).evaluate(x(), y()),
    "Forgetful cannot evaluate: its module has no parameters (states.netParams is undefined). Forgetful was initialized on the first batch " +
      "of evaluate with the train chain from @trainStep Forgetful.train, which created no parameters. Create the parameters in that chain " +
      "when initializing is true (return states.update({ netParams })), or define an @initStep.",
  );
  await refused(
    new EmptyInit({ module: new nn.Linear(1), ...cpu }).predict(x()),
    "EmptyInit cannot predict: its module has no parameters (states.netParams is undefined). EmptyInit was initialized on the first batch " +
      "of predict with its @initStep EmptyInit.start, which created no parameters. Return them from EmptyInit.start: states.update({ netParams }).",
  );
  class Pure extends Model {
    @predStep
    f(x: tf.Tensor, states: States): [tf.Tensor, States] {
      return [x.sum(-1, true), states];
    }
  }
  await refused(
    new Pure({ loss: losses.meanSquaredError(), optimizer: optimizers.sgd(0.1), ...cpu }).fit(x(), y(), { verbose: 0 }),
    "Pure cannot fit: states.netParams holds no tensors, so there is nothing to train. Pure was initialized on the first batch of fit with " +
      "the default train chain (trainStep → gradStep → testStep → predStep, through its @predStep Pure.f), which created no parameters. " +
      "Create the parameters in that chain when initializing is true (return states.update({ netParams })), or define an @initStep.",
  );
});

/** A @trainStep that takes gradients through the default gradStep, even while initializing. */
class GradFirst extends Model {
  @trainStep
  t(states: States): [Logs, States] {
    const [, logs, next] = this.runStep("gradStep", { states });
    return [logs, next];
  }
}

/** The same, with the branch the message asks for. */
class GradAfterInit extends Model {
  @trainStep
  t(states: States, initializing: boolean): [Logs, States] {
    if (initializing) {
      const [, logs, next] = this.runStep("testStep");
      return [logs, next];
    }
    const [, logs, next] = this.runStep("gradStep", { states });
    return [logs, next];
  }
}

test("a @trainStep that runs gradStep while initializing is told to run testStep then, and that fix works", async () => {
  const parts = { module: new nn.Linear(1), loss: losses.meanSquaredError(), optimizer: optimizers.sgd(0.1), ...cpu };
  const before = tf.memory().numTensors;
  const [xs, ys] = [x(), y()];
  await refused(
    new GradFirst(parts).fit(xs, ys, { verbose: 0 }),
    "GradFirst cannot fit: states.netParams holds no tensors, so there is nothing to train. It happened while GradFirst was being " +
      "initialized on the first batch of fit: @trainStep GradFirst.t runs once with initializing = true, before any parameters exist, " +
      "and the gradStep it called needs parameters to take gradients of. When initializing, have GradFirst.t run the test step " +
      "(which creates them) and return its logs and States; ask for initializing as a parameter and start with:\n" +
      "  if (initializing) {\n" +
      '    const [, logs, next] = this.runStep("testStep");\n' +
      "    return [logs, next];\n" +
      "  }",
  );
  const fixed = new GradAfterInit({ ...parts, module: new nn.Linear(1) });
  const history = await fixed.fit(xs, ys, { epochs: 2, verbose: 0 });
  assert.equal(history.history.loss.length, 2);
  assert.ok(Number.isFinite(history.history.loss[1] as number));
  fixed.dispose();
  tf.dispose([xs, ys]);
  assert.equal(tf.memory().numTensors, before);
});

test("States replaced by ones without params: said so, not 'call init'", async () => {
  const model = new Model({ module: new nn.Linear(1), loss: losses.meanSquaredError(), optimizer: optimizers.sgd(0.1), ...cpu });
  await model.init(x(), y());
  model.setStates(new States());
  await refused(
    model.predict(x()),
    "Model cannot predict: its module has no parameters (states.netParams is undefined). Its States were replaced (setStates or loadWeights) " +
      "by ones without parameters; give it States from an initialized Model.",
  );
});

test("a model whose train and predict inits differ: apply before init names both", async () => {
  await refused(
    () => new MLP(cpu).apply(x()),
    "MLP cannot apply: it has no parameters yet. MLP is not initialized. Initialize it first: await model.init(x, y) runs the train chain " +
      "from @trainStep MLP.train once with initializing = true; fit and evaluate initialize it the same way on their first batch, " +
      "predict with the prediction step alone (@predStep MLP.forward).",
  );
});

test("a step's own code tripping over undefined params is explained too", async () => {
  class ByHand extends Model {
    @predStep
    f(x: tf.Tensor, states: States): [tf.Tensor, States] {
      return [x.matMul((states.netParams as { w: tf.Tensor }).w), states];
    }
  }
  await refused(
    new ByHand(cpu).predict(x()),
    "ByHand cannot predict: states.netParams is undefined, and the step failed with: Cannot read properties of undefined (reading 'w'). " +
      "It happened while ByHand was being initialized on the first batch of predict, with the prediction step alone (@predStep ByHand.f), " +
      "called with initializing = true. Create the parameters in that chain when initializing is true (return states.update({ netParams })), or define an @initStep.",
  );
});

test("errors that do not come from missing params keep their class and message (after a line naming the step)", async () => {
  class Broken extends Model {
    @predStep
    f(x: tf.Tensor, states: States, initializing: boolean): [tf.Tensor, States] {
      if (!initializing) throw new RangeError("broken on purpose");
      return [x, states.update({ netParams: { w: tf.ones([1]) } })];
    }
  }
  const model = new Broken(cpu);
  await model.init(x());
  await assert.rejects(model.predict(x()), (error: Error) =>
    error instanceof RangeError && error.message === "in @predStep Broken.f (predict):\nbroken on purpose" && (error.cause as Error).message === "broken on purpose");
});
