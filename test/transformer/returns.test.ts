// ELEGY1007: a step whose return type cannot be what its kind must return (docs/guide.md) — exact
// texts; the return types that must pass; and the runtime twin, in the same words.
import test from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { ElegyStepResultError, Model, States, gradStep, optimizers, predStep, testStep, trainStep, tf } from "elegy-ts";
import { STEP_MESSAGES } from "../../src/step-messages";
import { compileFixtures, load, mustFail, recordedNames } from "./support";

const FIX = "Return the states you were given, or states.update({...}).";
const SYNC = "steps are synchronous. Remove 'async' and return the values themselves, not a Promise.";
const TEST = "[loss: Scalar, logs: Logs, States]";
const GRAD = "[loss, logs, States, grads]";

test("ELEGY1007: wrong arity, a States slot that is not States, not a tuple, a Promise — at the return type, or the name when inferred", () => {
  const e = (at: string, message: string) => `errors-return.ts(${at}): error ELEGY1007: ${message}`;
  assert.deepEqual(mustFail(["errors-return.ts"]), [
    e("6,42", "Arity.forward (@predStep) must return [yPred, States], but it returns [Tensor<Rank>, States, Logs], a tuple of 3 items."),
    e("11,25", `Arity.test (@testStep) must return ${TEST}, but it returns [Scalar, States], a tuple of 2 items.`),
    e("16,26", "Arity.train (@trainStep) must return [logs, States], but it returns [Logs, States, Tensor<Rank>, (Tensor<Rank> | undefined)?], a tuple of 3 to 4 items."),
    e("21,40", `Arity.grads (@gradStep) must return ${GRAD}, but it returns [Scalar, Logs, States, Tensor<Rank>, Tensor<Rank>, ...Tensor<Rank>[]], a tuple of at least 5 items.`),
    e("28,39", `NotStates.test (@testStep) must return ${TEST}, but it returns [Scalar, Logs, Tensor<Rank>], whose item 3 is Tensor<Rank>, not a States. ${FIX}`),
    e("34,3", `NotStates.forward (@predStep) must return [yPred, States], but it returns [Tensor<Rank>, Tensor<Rank>], whose item 2 is Tensor<Rank>, not a States. ${FIX}`),
    e("39,23", "NotStates.init (@initStep) must return States, but it returns Tensor<Rank>, not a States."),
    e("46,26", `NotATuple.grads (@gradStep) must return ${GRAD}, but it returns Logs, not a tuple.`),
    e("52,3", "NotATuple.forward (@predStep) must return [yPred, States], but it returns void, not a tuple."),
    e("58,24", "NotATuple.train (@trainStep) must return [logs, States], but it returns Tensor<Rank>[], an array none of whose items can be a States."),
    e("63,25", "NotATuple.init (@initStep) must return States, but it returns [States], not a States."),
    e("70,26", `Promised.train (@trainStep) must return [logs, States], but it returns Promise<[Logs, States]>: ${SYNC}`),
    e("75,9", `Promised.forward (@predStep) must return [yPred, States], but it returns Promise<(Tensor<Rank> | States)[]>: ${SYNC}`),
    e("80,25", `Promised.init (@initStep) must return States, but it returns States | Promise<States>: ${SYNC}`),
    e("86,39", `Promised.test (@testStep) must return ${TEST}, but it returns Scalar | [Tensor<Rank>, States], and none of those alternatives fits.`),
  ]);
});

test("ELEGY1007 stays silent for any, unknown, never, fitting unions, arrays that may hold States, inferred literals, rest/optional/readonly tuples, generics", () => {
  const { outDir } = compileFixtures(["returns-ok.ts"]);
  const m = load<Record<string, { prototype: object }>>(path.join(outDir, "returns-ok.js"));
  assert.deepEqual(recordedNames(m.Inferred, "forward"), ["x", "states", "initializing"]);
  assert.deepEqual(recordedNames(m.Shapes, "grads"), ["states"]);
});

const TENSORS = "a Tensor or a nested object/array of Tensors";
const LOSS_FIX = "Return the loss as a scalar Tensor, e.g. tf.mean(...) of the per-sample losses, or tf.scalar(value).";
const LOGS_IS = "Logs (an object of name → scalar Tensor or number)";
const GRADS_FIX = "Return the gradients of states.netParams, in its structure.";

test("ELEGY1007 judges every item of the tuple: swapped items, a loss that is Logs or a number, logs that are a Tensor, grads that are a States or a number", () => {
  const e = (at: string, message: string) => `errors-items.ts(${at}): error ELEGY1007: ${message}`;
  assert.deepEqual(mustFail(["errors-items.ts"]), [
    e("7,3", `Swapped.test (@testStep) must return ${TEST}, but it returns [{ loss: Scalar; }, Scalar, States], whose items 1 and 2 look swapped: return [loss, logs, states].`),
    e("14,26", "Swapped.train (@trainStep) must return [logs, States], but it returns [States, Logs], whose items 1 and 2 look swapped: return [logs, states]."),
    e("19,3", "Swapped.forward (@predStep) must return [yPred, States], but it returns [States, Tensor<Rank>], whose items 1 and 2 look swapped: return [yPred, states]."),
    e("24,40", `Swapped.grads (@gradStep) must return ${GRAD}, but it returns [Scalar, Logs, Tensor<Rank>[], States], whose items 3 and 4 look swapped: return [loss, logs, states, grads].`),
    e("32,25", `WrongItems.test (@testStep) must return ${TEST}, but it returns [Logs, Logs, States], whose item 1 (loss) is Logs, not a scalar Tensor. ${LOSS_FIX}`),
    e("38,3", `WrongItems.train (@trainStep) must return [logs, States], but it returns [Tensor<Rank>, States], whose item 1 (logs) is Tensor<Rank>, not ${LOGS_IS}. Return the logs as an object, e.g. { loss }.`),
    e("44,26", `WrongItems.grads (@gradStep) must return ${GRAD}, but it returns [Scalar, Logs, States, States], whose item 4 (grads) is States, not ${TENSORS}. ${GRADS_FIX}`),
    e("50,28", `WrongItems.forward (@predStep) must return [yPred, States], but it returns [string, States], whose item 1 (yPred) is string, not ${TENSORS}. Return the prediction (e.g. the module's output) first.`),
    e("58,3", `Numbers.test (@testStep) must return ${TEST}, but it returns [number, { acc: number; }, States], whose item 1 (loss) is number, not a scalar Tensor. ${LOSS_FIX}`),
    e("64,26", `Numbers.grads (@gradStep) must return ${GRAD}, but it returns [Scalar, Logs, States, number], whose item 4 (grads) is number, not ${TENSORS}. ${GRADS_FIX}`),
    e("70,3", `Numbers.train (@trainStep) must return [logs, States], but it returns [{ note: string; }, States], whose item 1 (logs) is { note: string; }, not ${LOGS_IS}. Return the logs as an object, e.g. { loss }.`),
    e("78,3", `Rotated.test (@testStep) must return ${TEST}, but it returns [States, Scalar, { acc: Scalar; }], whose items 1, 2 and 3 look out of order: return [loss, logs, states].`),
    e("84,40", `Rotated.grads (@gradStep) must return ${GRAD}, but it returns [Logs, Scalar, States, string], whose items 1 and 2 look swapped: return [loss, logs, states, grads].` +
      ` Item 4 (grads) is string, not ${TENSORS}. ${GRADS_FIX}`),
  ]);
});

test("ELEGY1007 stays silent for items that can fit: any, unknown, unions with a fitting member, a Tensor loss of any rank (or of another tfjs-core copy), trees, Logs literals with numbers, interfaces, generics", () => {
  const { outDir } = compileFixtures(["returns-items-ok.ts"]);
  const m = load<Record<string, { prototype: object }>>(path.join(outDir, "returns-items-ok.js"));
  assert.deepEqual(recordedNames(m.Trees, "forward"), ["x", "states", "training"]);
});

test("run time: each item is judged by its place too, a swap is called one in the build's words, and nothing leaks", async () => {
  // Declared `any`, so the build lets them through; the runtime catches what they return.
  class SwappedTest extends Model {
    @testStep
    test(x: tf.Tensor, states: States): any {
      const loss = tf.mean(x);
      return [{ loss }, loss, states];
    }
  }
  class NumberLoss extends Model {
    @testStep
    test(states: States): any {
      return [0.5, { acc: 1 }, states];
    }
  }
  class SwappedTrain extends Model {
    @trainStep
    train(states: States): any {
      return [states, {}];
    }
  }
  class NumberGrads extends Model {
    @gradStep
    grads(x: tf.Tensor, states: States): any {
      return [tf.mean(x), {}, states, 3];
    }
  }
  class SwappedPred extends Model {
    @predStep
    forward(x: tf.Tensor, states: States): any {
      return [states, x];
    }
  }
  const x = tf.tensor2d([[1], [2]]);
  const before = tf.memory().numTensors;
  const fails = async (run: Promise<unknown>, message: string) =>
    assert.rejects(run, (error: Error) => {
      assert.ok(error instanceof ElegyStepResultError);
      assert.equal(error.code, "ELEGY1007");
      assert.equal(error.message, `ELEGY1007: ${message}`);
      return true;
    });
  const swapped = "items 1 and 2 look swapped: return [loss, logs, states].";
  await fails(new SwappedTest({ backend: "cpu" }).evaluate(x, x, { verbose: 0 }), `SwappedTest.test (@testStep) must return ${TEST}, but ${swapped}`);
  // the same words as the build's, from the same sentence builder
  assert.equal(STEP_MESSAGES.wrongItems("testStep", { moved: [0, 1], wrong: [] }, () => "unused"), swapped);
  await fails(new NumberLoss({ backend: "cpu" }).evaluate(x, x, { verbose: 0 }),
    `NumberLoss.test (@testStep) must return ${TEST}, but item 1 (loss) is a number, not a scalar Tensor. ${LOSS_FIX}`);
  await fails(new SwappedTrain({ backend: "cpu" }).fit(x, x, { verbose: 0 }),
    "SwappedTrain.train (@trainStep) must return [logs, States], but items 1 and 2 look swapped: return [logs, states].");
  await fails(new NumberGrads({ backend: "cpu", optimizer: optimizers.sgd(0.1) }).fit(x, x, { verbose: 0 }),
    `NumberGrads.grads (@gradStep) must return ${GRAD}, but item 4 (grads) is a number, not ${TENSORS}. ${GRADS_FIX}`);
  await fails(new SwappedPred({ backend: "cpu" }).predict(x),
    "SwappedPred.forward (@predStep) must return [yPred, States], but items 1 and 2 look swapped: return [yPred, states].");
  assert.equal(tf.memory().numTensors, before, "a refused result leaves no tensors behind");
  x.dispose();
});

test("run time: the twin checks of ELEGY1007 say the same words", async () => {
  // Declared `any`, so the build lets them through; the runtime catches what they return.
  class Async extends Model {
    @predStep
    forward(x: tf.Tensor, states: States): any {
      return Promise.resolve([x, states]);
    }
  }
  class Swapped extends Model {
    @testStep
    test(x: tf.Tensor, states: States): any {
      return [tf.scalar(0), {}, x];
    }
  }
  const x = tf.tensor2d([[1], [2]]);
  await assert.rejects(new Async({ backend: "cpu" }).predict(x), (error: Error) => {
    assert.ok(error instanceof ElegyStepResultError);
    assert.equal(error.code, "ELEGY1007", "the run-time twin of ELEGY1007 carries its code");
    assert.equal(error.message, `ELEGY1007: Async.forward (@predStep) must return [yPred, States], but it returned a Promise: ${SYNC}`);
    assert.equal(error.message, `ELEGY1007: ${STEP_MESSAGES.wrongReturn("predStep", "Async.forward", STEP_MESSAGES.promise("returned a Promise"))}`);
    return true;
  });
  await assert.rejects(new Swapped({ backend: "cpu" }).evaluate(x, x, { verbose: 0 }), (error: Error) => {
    assert.ok(error instanceof ElegyStepResultError);
    assert.equal(error.message, `ELEGY1007: Swapped.test (@testStep) must return ${TEST}, but item 3 is a Tensor of shape [2,1], not a States. ${FIX}`);
    return true;
  });
});
