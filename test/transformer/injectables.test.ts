// The user's Injectables at build time: provide() is typed against the interface (a misspelt
// name or a value of the wrong type does not compile), and a step parameter named like a
// declared injectable must accept its declared type (ELEGY1008).
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { build } from "elegy-ts/transformer";
import { filesIn, load, tempDir } from "./support";

const HEADER = `import { Model, States, predStep, tf } from "elegy-ts";
declare module "elegy-ts" {
  interface Injectables { temperature: number; teacher: { scale: number } }
}
`;

/** Builds one model.ts in a project where elegy-ts is installed; returns the printed diagnostics and what was written. */
function compile(body: string) {
  const dir = tempDir("injectables", true);
  fs.writeFileSync(path.join(dir, "model.ts"), HEADER + body);
  const result = build({ files: ["model.ts"], outDir: path.join(dir, "out"), cwd: dir });
  return { dir, result, written: filesIn(path.join(dir, "out")) };
}

const STEP = `export class Hot extends Model {
  @predStep
  forward(x: tf.Tensor, temperature: number, states: States): [tf.Tensor, States] {
    return [x.div(temperature), states];
  }
}
`;

test("provide(): declared names with values of their declared types compile, and the names are recorded as declared", () => {
  const { dir, result } = compile(STEP + `export const ok = () => new Hot().provide("temperature", 2).provide("teacher", { scale: 3 });\n`);
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.exitCode, 0);
  const { Hot } = load<Record<string, { prototype: object }>>(path.join(dir, "out/model.js"));
  assert.deepEqual(Reflect.getOwnMetadata("elegy-ts:step:declared-injectables", Hot.prototype, "forward"), ["temperature"]);
});

test("provide(): a misspelt name or a value of the wrong type does not compile", () => {
  const { result, written } = compile(STEP + `export const bad = (m: Hot) => {\n  m.provide("temprature", 2);\n  m.provide("temperature", "hot");\n};\n`);
  assert.equal(result.exitCode, 1);
  assert.deepEqual(written, []);
  assert.deepEqual(result.diagnostics, [
    `model.ts(12,13): error TS2345: Argument of type '"temprature"' is not assignable to parameter of type 'keyof Injectables'.`,
    `model.ts(13,28): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'.`,
  ]);
});

test("ELEGY1008: a step parameter named like a declared injectable, with a type its declaration does not fit", () => {
  const { result, written } = compile(`export class Hot extends Model {
  @predStep
  forward(x: tf.Tensor, temperature: string, teacher: { scale: string }, states: States): [tf.Tensor, States] {
    return [x, states];
  }
  @predStep
  other(x: tf.Tensor, temperature: number | undefined, teacher: { scale: number }, states: States): [tf.Tensor, States] {
    return [x, states];
  }
}
`);
  assert.equal(result.exitCode, 1);
  assert.deepEqual(written, []);
  assert.deepEqual(result.diagnostics, [
    "model.ts(7,38): error ELEGY1008: 'temperature' in @predStep Hot.forward is declared as string, but Injectables declares 'temperature' as number. " +
      "Declare the parameter as number, or change its declaration in Injectables.",
    "model.ts(7,55): error ELEGY1008: 'teacher' in @predStep Hot.forward is declared as { scale: string; }, but Injectables declares 'teacher' as { scale: number; }. " +
      "Declare the parameter as { scale: number; }, or change its declaration in Injectables.",
    // `other` accepts both (a wider type is fine); it only overrides @predStep a second time
    "model.ts(10,3): error ELEGY1006: Hot overrides @predStep twice: in 'forward' and in 'other'. Keep one @predStep per class.",
  ]);
});
