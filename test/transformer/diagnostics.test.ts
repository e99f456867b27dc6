// Must-fail fixtures: the exact text of every ELEGY diagnostic, with file(line,col), exit
// code 1, and nothing written. These texts are the user interface: change them here on purpose.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { build } from "elegy-ts/transformer";
import { filesIn, mustFail, tempDir } from "./support";

const ALL = "x, yTrue, sampleWeight, classWeight, states, initializing, training";
const PRED = "x, states, initializing, training";
const INIT = "x, yTrue, sampleWeight, classWeight, states";
const own = (name: string) =>
  ` To inject a value of your own, declare '${name}' in the Injectables interface of "elegy-ts" and call model.provide("${name}", value).`;

test("ELEGY1001/1002: unknown names with the closest valid name, names not available to the step", () => {
  assert.deepEqual(mustFail(["errors.ts"]), [
    `errors.ts(6,22): error ELEGY1001: Unknown injectable 'y_true' in @testStep Misspelled.test. Did you mean 'yTrue'? @testStep may request: ${ALL}.${own("y_true")}`,
    `errors.ts(6,57): error ELEGY1001: Unknown injectable 'Y_TRUE' in @testStep Misspelled.test. Did you mean 'yTrue'? @testStep may request: ${ALL}.${own("Y_TRUE")}`,
    `errors.ts(11,25): error ELEGY1002: 'yTrue' is not available in @predStep Misspelled.forward. @predStep may request: ${PRED}.`,
    // the closest built-in, sampleWeight, is not available to @predStep: no suggestion rather than a wrong one
    `errors.ts(11,59): error ELEGY1001: Unknown injectable 'sample_wieght' in @predStep Misspelled.forward. @predStep may request: ${PRED}.${own("sample_wieght")}`,
    `errors.ts(18,9): error ELEGY1001: Unknown injectable 'y_ture' in @trainStep Typo.train. Did you mean 'yTrue'? @trainStep may request: ${ALL}.${own("y_ture")}`,
    `errors.ts(18,28): error ELEGY1001: Unknown injectable 'state' in @trainStep Typo.train. Did you mean 'states'? @trainStep may request: ${ALL}.${own("state")}`,
    `errors.ts(18,43): error ELEGY1001: Unknown injectable 'labels' in @trainStep Typo.train. Did you mean 'yTrue'? @trainStep may request: ${ALL}.${own("labels")}`,
    `errors.ts(18,62): error ELEGY1001: Unknown injectable 'xs' in @trainStep Typo.train. Did you mean 'x'? @trainStep may request: ${ALL}.${own("xs")}`,
    `errors.ts(23,38): error ELEGY1002: 'initializing' is not available in @initStep Typo.init. @initStep may request: ${INIT}.`,
    `errors.ts(23,61): error ELEGY1002: 'training' is not available in @initStep Typo.init. @initStep may request: ${INIT}.`,
  ]);
});

test("ELEGY1003-1006: unnamed parameters, wrong types for built-ins, non-methods, a step overridden twice", () => {
  assert.deepEqual(mustFail(["errors-shape.ts"]), [
    "errors-shape.ts(7,9): error ELEGY1003: Parameter 1 of @gradStep Shapes.grads is destructured, so it has no name to inject by. Name it after what it receives (an injectable such as x, yTrue or states) and destructure it inside the method.",
    "errors-shape.ts(7,53): error ELEGY1003: Parameter '...rest' of @gradStep Shapes.grads is a rest parameter, so it has no single name to inject by. Declare each injectable as its own parameter.",
    "errors-shape.ts(12,23): error ELEGY1004: 'initializing' in @trainStep Shapes.train is declared as number, but elegy-ts injects a boolean. Declare it as boolean.",
    `errors-shape.ts(12,41): error ELEGY1004: 'training' in @trainStep Shapes.train is declared as "yes" | "no", but elegy-ts injects a boolean. Declare it as boolean.`,
    "errors-shape.ts(12,58): error ELEGY1004: 'x' in @trainStep Shapes.train is declared as number, but elegy-ts injects a Tensor or a nested object/array of Tensors. Declare it as tf.Tensor (or a nested object/array of Tensors).",
    "errors-shape.ts(12,74): error ELEGY1004: 'states' in @trainStep Shapes.train is declared as string, but elegy-ts injects States. Declare it as States.",
    "errors-shape.ts(12,89): error ELEGY1004: 'yTrue' in @trainStep Shapes.train is declared as boolean | undefined, but elegy-ts injects a Tensor, a nested object/array of Tensors, or undefined. Declare it as tf.Tensor (or a nested object/array of Tensors).",
    "errors-shape.ts(16,3): error ELEGY1005: @predStep cannot decorate the static method Shapes.forward: steps are instance methods. Remove 'static'.",
    "errors-shape.ts(21,3): error ELEGY1005: @testStep can only decorate a method, but Shapes.test is a property. Make it a method.",
    "errors-shape.ts(24,3): error ELEGY1005: @initStep can only decorate a method, but Shapes.init is an accessor. Make it a method.",
    "errors-shape.ts(36,3): error ELEGY1006: Twice overrides @testStep twice: in 'a' and in 'b'. Keep one @testStep per class.",
    // Twice.forward declares initializing?: boolean, training: unknown, x: Tensor2D | Record<…>: all fine
  ]);
});

test("Injectables: without the augmentation the names are unknown; with it, messages list them", () => {
  assert.deepEqual(mustFail(["uses-injectables.ts"]), [
    `uses-injectables.ts(7,23): error ELEGY1001: Unknown injectable 'teacher' in @predStep Distilled.forward. @predStep may request: ${PRED}.${own("teacher")}`,
    `uses-injectables.ts(12,8): error ELEGY1001: Unknown injectable 'criticStates' in @initStep Distilled.init. @initStep may request: ${INIT}.${own("criticStates")}`,
  ]);
  const withAugmentation = mustFail(["errors.ts", "augment.ts"]);
  assert.equal(withAugmentation.length, 10);
  assert.equal(
    withAugmentation[3],
    `errors.ts(11,59): error ELEGY1001: Unknown injectable 'sample_wieght' in @predStep Misspelled.forward. @predStep may request: ${PRED}; and your Injectables: teacher, criticStates.${own("sample_wieght")}`,
  );
  assert.equal(
    withAugmentation[2],
    `errors.ts(11,25): error ELEGY1002: 'yTrue' is not available in @predStep Misspelled.forward. @predStep may request: ${PRED}; and your Injectables: teacher, criticStates.`,
  );
});

test("a user injectable is suggested for a near miss; a built-in declared in Injectables is still judged by its step", () => {
  const dir = tempDir("own-names", true);
  fs.writeFileSync(
    path.join(dir, "model.ts"),
    [
      'import { predStep } from "elegy-ts";',
      'declare module "elegy-ts" { interface Injectables { teacher: unknown; yTrue: unknown } }',
      "export class M {",
      "  @predStep",
      "  forward(x: unknown, teachr: unknown, yTrue: unknown) { return [x, teachr ?? yTrue]; }",
      "}",
      "",
    ].join("\n"),
  );
  const result = build({ files: [path.join(dir, "model.ts")], outDir: path.join(dir, "out"), cwd: dir });
  assert.deepEqual(result.diagnostics, [
    `model.ts(5,23): error ELEGY1001: Unknown injectable 'teachr' in @predStep M.forward. Did you mean 'teacher'? @predStep may request: ${PRED}; and your Injectables: teacher.${own("teachr")}`,
    `model.ts(5,40): error ELEGY1002: 'yTrue' is not available in @predStep M.forward. @predStep may request: ${PRED}; and your Injectables: teacher.`,
  ]);
  assert.deepEqual(filesIn(path.join(dir, "out")), []);
});

test("TypeScript's errors and ELEGY errors are reported together, in file order", () => {
  const dir = tempDir("mixed", true);
  fs.writeFileSync(
    path.join(dir, "model.ts"),
    [
      'import { testStep } from "elegy-ts";',
      "export class M {",
      "  @testStep",
      "  test(x: unknown, yTrue: unknown, sampleWieght: unknown) { return [x, yTrue, sampleWieght]; }",
      "}",
      "const n: number = 'one';",
      "export { n };",
      "",
    ].join("\n"),
  );
  const result = build({ files: ["model.ts"], outDir: "out", cwd: dir });
  assert.equal(result.exitCode, 1);
  assert.deepEqual(result.diagnostics, [
    `model.ts(4,36): error ELEGY1001: Unknown injectable 'sampleWieght' in @testStep M.test. Did you mean 'sampleWeight'? @testStep may request: ${ALL}.${own("sampleWieght")}`,
    "model.ts(6,7): error TS2322: Type 'string' is not assignable to type 'number'.",
  ]);
  assert.deepEqual(filesIn(path.join(dir, "out")), []);
});
