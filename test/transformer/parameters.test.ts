// Parameter edge cases (issue 8): defaults, optional and `this` parameters, overloads, and
// step decorators on members that are not instance methods. Golden: names recorded and read
// back from the compiled class, then the compiled model run; must-fail: exact diagnostics.
import test from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { tf } from "elegy-ts";
import { compileFixtures, load, mustFail, recordedNames } from "./support";

interface Call {
  step: string;
  initializing?: boolean;
  training?: boolean;
  sampleWeight?: number[];
  classWeight?: "undefined" | number[];
}
type ModelClass = { prototype: object; new (options: object): { calls: Call[] } & Record<string, any> };

test("defaults, optional and `this` parameters are recorded by name; `this` is not a parameter", () => {
  const { outDir } = compileFixtures(["params.ts"]);
  const { Defaults } = load<Record<string, ModelClass>>(path.join(outDir, "params.js"));
  assert.deepEqual(recordedNames(Defaults, "forward"), ["x", "states", "training"], "this: Defaults is left out; training = true is recorded");
  assert.deepEqual(recordedNames(Defaults, "test"), ["x", "yTrue", "states", "initializing", "classWeight", "sampleWeight"]);
});

test("run time: an injected value always wins over a default; undefined is injected as undefined, and then a default applies", async () => {
  const { outDir } = compileFixtures(["params.ts"]);
  const { Defaults } = load<Record<string, ModelClass>>(path.join(outDir, "params.js"));
  const x = tf.tensor2d([[1], [2], [3]]);
  const y = tf.tensor2d([[2], [4], [7]]);
  const model = new Defaults({ backend: "cpu" });

  const predicted = (await model.predict(x)) as tf.Tensor;
  assert.deepEqual(predicted.arraySync(), [[2], [4], [6]]);
  assert.deepEqual(model.calls, [
    // predict initializes first, on its first batch (initializing = true, training = true)
    { step: "pred", training: true },
    // predict injects training = false: the default `training = true` does not apply
    { step: "pred", training: false },
  ]);

  model.calls.length = 0;
  const defaulted = await model.evaluate(x, y, { verbose: 0 });
  const weighted = await model.evaluate(x, y, { verbose: 0, sampleWeight: tf.tensor1d([1, 2, 3]) });
  assert.deepEqual(model.calls, [
    // no sampleWeight given: undefined is injected, so the parameter's default (0.5 each) applies
    { step: "test", initializing: false, sampleWeight: [0.5, 0.5, 0.5], classWeight: "undefined" },
    // given: the injected tensor, not the default
    { step: "test", initializing: false, sampleWeight: [1, 2, 3], classWeight: "undefined" },
  ]);
  // squared errors 0, 0, 1, weighted and divided by the number of non-zero weights (tf's default reduction)
  assert.ok(Math.abs(defaulted.loss - (0.5 * 1) / 3) < 1e-6, String(defaulted.loss));
  assert.ok(Math.abs(weighted.loss - (3 * 1) / 3) < 1e-6, String(weighted.loss));

  const before = tf.memory().numTensors;
  await model.evaluate(x, y, { verbose: 0 });
  assert.equal(tf.memory().numTensors, before, "the default tensor made inside the step is freed with the step");
});

test("overloads: the decorated implementation's names are recorded and injected; overload signatures play no part", async () => {
  const { outDir } = compileFixtures(["overloads.ts"]);
  const { Overloaded } = load<Record<string, ModelClass>>(path.join(outDir, "overloads.js"));
  // the overloads call them inputs, state, isTraining: no diagnostic, and not what is injected
  assert.deepEqual(recordedNames(Overloaded, "forward"), ["x", "states", "training"]);
  const model = new Overloaded({ backend: "cpu" });
  const out = (await model.predict(tf.tensor2d([[1], [-2]]))) as tf.Tensor;
  assert.deepEqual(out.arraySync(), [[-1], [2]], "training = false was injected");
  assert.equal(model.states.constructor.name, "States");
});

test("ELEGY1005 on a setter, a static property and a static accessor; ELEGY1001/1003/1004 positions after a `this` parameter", () => {
  const ALL = "x, yTrue, sampleWeight, classWeight, states, initializing, training";
  assert.deepEqual(mustFail(["errors-members.ts"]), [
    "errors-members.ts(6,3): error ELEGY1005: @predStep can only decorate a method, but Members.forward is an accessor. Make it a method.",
    "errors-members.ts(11,3): error ELEGY1005: @testStep cannot decorate the static property Members.test: steps are instance methods. Remove 'static'.",
    "errors-members.ts(14,3): error ELEGY1005: @initStep cannot decorate the static accessor Members.init: steps are instance methods. Remove 'static'.",
    "errors-members.ts(21,24): error ELEGY1003: Parameter 1 of @gradStep Members.grads is destructured, so it has no name to inject by. Name it after what it receives (an injectable such as x, yTrue or states) and destructure it inside the method.",
    `errors-members.ts(21,49): error ELEGY1001: Unknown injectable 'y_true' in @gradStep Members.grads. Did you mean 'yTrue'? @gradStep may request: ${ALL}. To inject a value of your own, declare 'y_true' in the Injectables interface of "elegy-ts" and call model.provide("y_true", value).`,
    "errors-members.ts(21,71): error ELEGY1003: Parameter '...more' of @gradStep Members.grads is a rest parameter, so it has no single name to inject by. Declare each injectable as its own parameter.",
    "errors-members.ts(26,24): error ELEGY1003: Parameter 1 of @trainStep Members.train is destructured, so it has no name to inject by. Name it after what it receives (an injectable such as x, yTrue or states) and destructure it inside the method.",
    "errors-members.ts(26,54): error ELEGY1004: 'training' in @trainStep Members.train is declared as number, but elegy-ts injects a boolean. Declare it as boolean.",
  ]);
});
