// Abstract and generic model classes (issue 8): steps on them are found, recorded and run like
// any other; a decorator on an abstract method is TypeScript's own error (TS1249), reported
// alone, with nothing written.
import test from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { tf } from "elegy-ts";
import { compileFixtures, load, mustFail, recordedNames } from "./support";

type ModelClass = { prototype: object; new (options: object): any };

test("abstract and generic classes: steps recorded, inherited by concrete subclasses, and run", async () => {
  const { outDir } = compileFixtures(["generic-abstract.ts"]);
  const m = load<Record<string, ModelClass>>(path.join(outDir, "generic-abstract.js"));
  assert.deepEqual(recordedNames(m.Scaled, "forward"), ["x", "states"], "on the abstract generic class");
  assert.deepEqual(recordedNames(m.Keeps, "test"), ["yTrue", "x", "states"], "states: S extends States is a States");
  assert.equal(recordedNames(m.Tripled, "forward"), undefined, "inherited, not overridden");

  const x = tf.tensor2d([[1], [2]]);
  assert.deepEqual(((await new m.Tripled({ backend: "cpu" }).predict(x)) as tf.Tensor).arraySync(), [[3], [6]]);
  assert.deepEqual(((await new m.HalvedMatrix({ backend: "cpu" }).predict(x)) as tf.Tensor).arraySync(), [[0.5], [1]], "through an abstract generic subclass");
  const logs = await new m.Keeps({ backend: "cpu" }).evaluate(x, tf.tensor2d([[2], [2]]), { verbose: 0 });
  assert.equal(logs.loss, 0.5);
});

test("a step decorator on an abstract method or an overload signature is TS1249, and only that", () => {
  assert.deepEqual(mustFail(["abstract-step.ts"]), [
    "abstract-step.ts(7,3): error TS1249: A decorator can only decorate a method implementation, not an overload.",
    // the overload calls its parameter `state`: no ELEGY1001 for a signature TypeScript already rejects
    "abstract-step.ts(10,3): error TS1249: A decorator can only decorate a method implementation, not an overload.",
  ]);
});
