// Both decorator modes, from a user's own tsconfig: legacy (`experimentalDecorators`) and
// TypeScript 5's standard decorators (the default). Same recorded names, same diagnostics,
// models that train, @trainer on classes, and the run-time twins of the checks in both.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import "reflect-metadata";
import { optimizers, tf } from "elegy-ts";
import { METADATA } from "../../src/metadata-keys";
import { BIN, ROOT, filesIn, load, recordedNames, regressionModel, tempDir } from "./support";

const MODES = {
  legacy: { experimentalDecorators: true },
  standard: {},
} as const;
type Mode = keyof typeof MODES;

const TSPC = fs.realpathSync(path.join(ROOT, "node_modules/.bin/tspc"));

/** A user's project in `mode`: model.ts and a tsconfig.json with nothing elegy-specific but the decorator mode (and, for tspc, the plugin). */
function project(mode: Mode, source: string, plugin = false): string {
  const dir = tempDir(`mode-${mode}`, true);
  fs.writeFileSync(path.join(dir, "model.ts"), source);
  const compilerOptions = {
    target: "ES2022", module: "node16", moduleResolution: "node16", strict: true, skipLibCheck: true, rootDir: ".", outDir: "out",
    ...MODES[mode],
    ...(plugin ? { plugins: [{ transform: "elegy-ts/transformer" }] } : {}),
  };
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["model.ts"] }));
  return dir;
}

/** `elegy-ts build -p tsconfig.json`, as a user runs it. */
function buildCli(dir: string): { status: number | null; lines: string[] } {
  const r = spawnSync(process.execPath, [BIN, "build", "-p", "tsconfig.json"], { cwd: dir, encoding: "utf8" });
  return { status: r.status, lines: (r.stdout + r.stderr).split("\n").filter((line) => line !== "") };
}

const TRAINED = regressionModel("yTrue").replace(
  'import { Model, States, testStep, tf, type Logs } from "elegy-ts";',
  'import { Model, States, testStep, tf, trainer, type Logs } from "elegy-ts";',
).replace("export class Regression", "@trainer({ data: () => ({ train: { x: tf.tensor2d([[1, 0], [0, 1]]), y: tf.tensor2d([[2], [-1]]) } }) })\nexport class Regression");

type ModelClass = { prototype: object; new (options: object): { trainOnBatch(x: tf.Tensor, y: tf.Tensor): Promise<{ loss: number }> } };

for (const mode of Object.keys(MODES) as Mode[]) {
  test(`${mode} decorators, elegy-ts build -p: names recorded, @trainer kept, the model trains`, async () => {
    const dir = project(mode, TRAINED);
    const built = buildCli(dir);
    assert.deepEqual(built.lines, []);
    assert.equal(built.status, 0);
    assert.deepEqual(filesIn(path.join(dir, "out")), ["model.js", "model.trainer.js"]);
    const { Regression } = load<Record<string, ModelClass>>(path.join(dir, "out/model.js"));
    assert.deepEqual(recordedNames(Regression, "test"), ["x", "yTrue", "states", "initializing"]);
    assert.equal(typeof Reflect.getMetadata(METADATA.trainer, Regression), "object", "@trainer's options on the class");
    const x = tf.tensor2d([[1, 0], [0, 1], [1, 1], [2, 1]]);
    const y = tf.tensor2d([[2], [-1], [1], [3]]);
    const m = new Regression({ backend: "cpu", optimizer: optimizers.sgd(0.1) });
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) losses.push((await m.trainOnBatch(x, y)).loss);
    assert.equal(losses[0], (4 + 1 + 1 + 9) / 4);
    assert.ok(losses.every((loss, i) => i === 0 || loss < losses[i - 1]), `the loss falls: ${losses.join(", ")}`);
    x.dispose();
    y.dispose();
  });

  test(`${mode} decorators, elegy-ts build -p: the same ELEGY diagnostics, nothing written`, () => {
    const dir = project(mode, regressionModel("y_true").replace(
      "export class Regression extends Model {",
      "export class Regression extends Model {\n  @testStep static s() {}\n  @testStep label = 1;",
    ));
    const built = buildCli(dir);
    assert.equal(built.status, 1);
    assert.deepEqual(built.lines.map((line) => line.replace(/ Did you mean.*$/, "")), [
      "model.ts(4,3): error ELEGY1005: @testStep cannot decorate the static method Regression.s: steps are instance methods. Remove 'static'.",
      "model.ts(5,3): error ELEGY1005: @testStep can only decorate a method, but Regression.label is a property. Make it a method.",
      "model.ts(7,22): error ELEGY1001: Unknown injectable 'y_true' in @testStep Regression.test.",
      "elegy-ts build: 3 errors; nothing was written.",
    ]);
    assert.deepEqual(filesIn(path.join(dir, "out")), []);
  });

  test(`${mode} decorators through tspc: what the build reports, the emitted JS says when it runs (ELEGY1005 twins)`, () => {
    const staticStep = project(mode, regressionModel("yTrue").replace("  @testStep\n  test(", "  @testStep\n  static test("), true);
    const r = spawnSync(process.execPath, [TSPC, "-p", "tsconfig.json", "--pretty", "false"], { cwd: staticStep, encoding: "utf8" });
    assert.match(r.stdout, /error TS991005: ELEGY1005: @testStep cannot decorate the static method Regression\.test/);
    assert.throws(() => load(path.join(staticStep, "out/model.js")), {
      name: "ElegyDefinitionError",
      code: "ELEGY1005",
      message: "ELEGY1005: @testStep cannot decorate the static method Regression.test: steps are instance methods. Remove 'static'.",
    });
  });
}

test("standard decorators: a property and a second override are told, with the class's name, when the class is first used", () => {
  const dir = project("standard", regressionModel("yTrue").replace(
    "export class Regression extends Model {",
    "export class Regression extends Model {\n  @testStep again(states: States): [tf.Scalar, Logs, States] { return [tf.scalar(0), {}, states]; }",
  ), true);
  spawnSync(process.execPath, [TSPC, "-p", "tsconfig.json"], { cwd: dir, encoding: "utf8" }); // ELEGY1006 reported, JS written
  const { Regression } = load<Record<string, ModelClass>>(path.join(dir, "out/model.js"));
  assert.throws(() => new Regression({ backend: "cpu" }), {
    name: "ElegyDefinitionError",
    code: "ELEGY1006",
    message: "ELEGY1006: Regression overrides @testStep twice: in 'again' and in 'test'. Keep one @testStep per class.",
  });
});
