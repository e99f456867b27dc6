// Steps inherited from a base class (issue 8): an undecorated override is the step at run
// time, so the transformer records its own parameter names (found through the checker, also
// across files) and checks it like a decorated step; the runtime reads names from the class
// whose method runs, never through the prototype chain.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import "reflect-metadata";
import { ElegyBuildError, tf } from "elegy-ts";
import { METADATA } from "../../src/metadata-keys";
import { compileFixtures, load, mustFail, recordedNames } from "./support";

type ModelClass = { prototype: object; new (options: object): any };
const stepTable = (cls: { prototype: object }): unknown => Reflect.getMetadata(METADATA.steps, cls.prototype);

test("an undecorated override of an inherited step records its own names, at every level and across files", () => {
  const { outDir, emitted } = compileFixtures(["inherited.ts"]);
  assert.deepEqual(emitted, ["inherited-base.js", "inherited-states.js", "inherited.js"]);
  const m = load<Record<string, ModelClass>>(path.join(outDir, "inherited.js"));
  assert.deepEqual(recordedNames(m.Base, "test"), ["x", "yTrue", "states"]);
  assert.deepEqual(recordedNames(m.Override, "test"), ["yTrue", "x", "states"], "no @testStep on Override.test, its names all the same");
  assert.deepEqual(recordedNames(m.OverrideAgain, "test"), ["x", "yTrue", "states", "sampleWeight"], "the override of an override");
  assert.deepEqual(recordedNames(m.Typed, "test"), ["yTrue", "x", "states"], "a parameter type whose import tsc elides");
  assert.deepEqual(recordedNames(m.Anonymous, "test"), ["yTrue", "x", "states"], "a class expression");
  assert.equal(recordedNames(m.Inherits, "test"), undefined, "no method of its own: nothing recorded on its prototype");
  assert.deepEqual(recordedNames(m.ScoredElsewhere, "score"), ["yTrue", "x", "states"], "the base class is in inherited-base.ts");
  assert.deepEqual(recordedNames(m.Replaces, "negate"), ["x", "states"]);
  assert.equal(recordedNames(m.Replaces, "forward"), undefined, "Replaces decorates another predStep: its forward is a plain method");
  assert.deepEqual(stepTable(m.Override), { predStep: "forward", testStep: "test" }, "the step table is the base's");
  assert.deepEqual(stepTable(m.Replaces), { predStep: "negate", testStep: "test" });
});

test("run time: each class's own parameter names are injected — x is x and yTrue is yTrue whatever the order", async () => {
  const { outDir } = compileFixtures(["inherited.ts"]);
  const m = load<Record<string, ModelClass>>(path.join(outDir, "inherited.js"));
  const x = tf.tensor2d([[1], [2], [3]]);
  const y = tf.tensor2d([[10], [20], [30]]);
  for (const name of ["Base", "Override", "OverrideAgain", "Typed", "Anonymous", "Inherits", "ScoredElsewhere"]) {
    const logs = await new m[name]({ backend: "cpu" }).evaluate(x, y, { verbose: 0 });
    // with the base's names, Override would get yTrue as x: x = 20, yTrue = 2
    assert.equal(logs.x, 2, `${name}: mean of x`);
    assert.equal(logs.yTrue, 20, `${name}: mean of yTrue`);
    assert.equal(logs.loss, (81 + 324 + 729) / 3, `${name}: loss`);
  }
  const weighted = await new m.OverrideAgain({ backend: "cpu" }).evaluate(x, y, { verbose: 0, sampleWeight: tf.ones([3]) });
  assert.equal(weighted.weighted, 1, "OverrideAgain's extra parameter, sampleWeight, is injected");
  assert.deepEqual(((await new m.Replaces({ backend: "cpu" }).predict(x)) as tf.Tensor).arraySync(), [[-1], [-2], [-3]], "Replaces' own predStep runs");
  assert.deepEqual(((await new m.Override({ backend: "cpu" }).predict(x)) as tf.Tensor).arraySync(), [[2], [3], [4]], "Override inherits Base's predStep");
});

test("an undecorated override gets a static block, not a decorator (so no design:* metadata that names elided imports)", () => {
  const { outDir } = compileFixtures(["inherited.ts"]);
  const js = fs.readFileSync(path.join(outDir, "inherited.js"), "utf8");
  const block = (names: string) => `    static {\n        Reflect.defineMetadata("${METADATA.paramNames}", [${names}], this.prototype, "test");\n    }\n`;
  assert.ok(js.includes(`class Typed extends Base {\n    test(yTrue, x, states) {\n        return which(x, yTrue, states);\n    }\n${block('"yTrue", "x", "states"')}}`), js);
  assert.equal(js.match(/Reflect\.defineMetadata\(/g)?.length, 5, "Override, OverrideAgain, Typed, Anonymous, ScoredElsewhere");
  assert.doesNotMatch(js, /inherited_states_1/, "the type-only import stays elided");
  assert.doesNotMatch(js, /\], (Override|OverrideAgain|Typed|ScoredElsewhere)\.prototype, "test"/, "no __decorate for an undecorated override");
  assert.match(js, /\], Base\.prototype, "test", null\);/, "(what a decorated one looks like)");
});

test("run time: an override whose names were not recorded fails at construction instead of getting the base's names", () => {
  const { outDir } = compileFixtures(["inherited.ts"]);
  const { Base } = load<Record<string, ModelClass>>(path.join(outDir, "inherited.js"));
  // What plain tsc (or a base class known only from a .d.ts) leaves: an own method, no names of its own.
  class Unrecorded extends Base {}
  Object.defineProperty(Unrecorded.prototype, "test", { value: (yTrue: unknown, x: unknown, states: unknown) => [yTrue, x, states] });
  assert.throws(() => new Unrecorded({ backend: "cpu" }), (error: Error) => {
    assert.ok(error instanceof ElegyBuildError);
    assert.equal(
      error.message,
      "Unrecorded.test overrides Base.test, a @testStep, but its parameter names were not recorded, so elegy-ts cannot tell what to pass it. " +
        "Decorate Unrecorded.test with @testStep as well, or compile it with the elegy-ts transformer in one program with Base's source. " +
        "Build it with `npx elegy-ts build <file.ts>`, or add " +
        '{ "transform": "elegy-ts/transformer" } to compilerOptions.plugins in your tsconfig and compile with `tspc` (ts-patch).',
    );
    return true;
  });
});

test("undecorated overrides are diagnosed like decorated steps; another method for the same step is fine, two in one class are not", () => {
  const PRED = "x, states, initializing, training";
  const ALL = "x, yTrue, sampleWeight, classWeight, states, initializing, training";
  const own = (name: string) =>
    ` To inject a value of your own, declare '${name}' in the Injectables interface of "elegy-ts" and call model.provide("${name}", value).`;
  assert.deepEqual(mustFail(["errors-inherited.ts"]), [
    "errors-inherited.ts(20,25): error ELEGY1003: Parameter 2 of @predStep Overrides.forward is destructured, so it has no name to inject by. Name it after what it receives (an injectable such as x, yTrue or states) and destructure it inside the method.",
    `errors-inherited.ts(20,48): error ELEGY1001: Unknown injectable 'y_true' in @predStep Overrides.forward. @predStep may request: ${PRED}.${own("y_true")}`,
    "errors-inherited.ts(20,69): error ELEGY1007: Overrides.forward (@predStep) must return [yPred, States], but it returns Tensor<Rank>, not a tuple.",
    `errors-inherited.ts(24,56): error ELEGY1001: Unknown injectable 'labels' in @testStep Overrides.test. Did you mean 'yTrue'? @testStep may request: ${ALL}.${own("labels")}`,
    `errors-inherited.ts(31,41): error ELEGY1001: Unknown injectable 'xs' in @predStep Deeper.forward. Did you mean 'x'? @predStep may request: ${PRED}.${own("xs")}`,
    // Replaces.predict2 replaces Base.forward (no error), Replaces.forward is not a step (no ELEGY1001 for `anything`)
    "errors-inherited.ts(54,3): error ELEGY1006: Replaces overrides @trainStep twice: in 'first' and in 'second'. Keep one @trainStep per class.",
  ]);
});
