// ELEGY1007: a step whose return type cannot be what its kind must return (docs/guide.md) — exact
// texts; the return types that must pass; and the runtime twin, in the same words.
import test from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { ElegyStepResultError, Model, States, predStep, testStep, tf } from "elegy-ts";
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
