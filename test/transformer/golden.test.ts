// Golden tests: fixtures in → parameter names recorded as reflect-metadata out, read back by
// requiring the compiled fixtures; and output untouched wherever there is no elegy step.
import test from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import "reflect-metadata";
import ts from "typescript";
import { REQUIRED_OPTIONS, SINGLE_FILE_DEFAULTS, build, elegyTransformer } from "elegy-ts/transformer";
import { METADATA } from "../../src/metadata-keys";
import { FIXTURES, filesIn, fixture, load, tempDir } from "./support";

type Classes = Record<string, { prototype: object }>;

const names = (cls: { prototype: object }, method: string): unknown => Reflect.getMetadata(METADATA.paramNames, cls.prototype, method);
const stepTable = (cls: { prototype: object }): unknown => Reflect.getMetadata(METADATA.steps, cls.prototype);

/** Compiles fixtures with build() into a linked temp folder (so they can require "elegy-ts"). */
function compile(files: string[]) {
  const outDir = tempDir("golden", true);
  const result = build({ files: files.map(fixture), outDir, cwd: FIXTURES });
  return { outDir, result };
}

/** What plain TypeScript (no transformer) or TypeScript + our transformer emits for one file, in memory. */
function emitJs(file: string, withTransformer: boolean): string {
  const options: ts.CompilerOptions = { ...SINGLE_FILE_DEFAULTS, ...REQUIRED_OPTIONS, rootDir: FIXTURES, outDir: path.join(FIXTURES, "out") };
  const program = ts.createProgram([file], options);
  let js: string | undefined;
  const result = program.emit(
    program.getSourceFile(file),
    (name, text) => {
      if (name.endsWith(".js")) js = text;
    },
    undefined,
    false,
    withTransformer ? { before: [elegyTransformer(program)] } : undefined,
  );
  assert.deepEqual(result.diagnostics, []);
  assert.ok(js !== undefined, `no output for ${file}`);
  return js;
}

test("golden: each step method records its parameter names, in declaration order, whatever the import style", () => {
  const { outDir, result } = compile(["golden.ts"]);
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.exitCode, 0);
  assert.deepEqual(filesIn(outDir), ["golden.js", "reexport.js"]);
  const m = load<Classes>(path.join(outDir, "golden.js"));

  assert.deepEqual(names(m.Shuffled, "forward"), ["training", "x", "initializing", "states"], "shuffled order is kept");
  assert.deepEqual(names(m.Shuffled, "test"), ["states", "yTrue", "x"], "renamed import (testStep as ts); the `this` parameter is left out");
  assert.equal(names(m.Shuffled, "helper"), undefined, "an undecorated method gets nothing");
  assert.deepEqual(names(m.Namespaced, "grads"), ["x", "teacher", "states", "sampleWeight"], "namespace import; user injectable; optional parameter");
  assert.deepEqual(names(m.Namespaced, "start"), ["classWeight", "states"], "default value; parenthesised decorator");
  assert.deepEqual(names(m.Child, "predictVia"), ["x", "states"], "re-exported under another name; public, beside another decorator");
  assert.deepEqual(names(m.Child, "train"), [], "no parameters");
  assert.deepEqual(names(m.Child, "forward"), ["training", "x", "initializing", "states"], "inherited from the parent's prototype");
  assert.deepEqual(names(m.Aliased, "train"), ["states", "x", "yTrue"], "through `const fit = elegy.trainStep`");

  // The decorators themselves ran too (the runtime's step table), with the metadata already in place.
  assert.deepEqual(stepTable(m.Shuffled), { predStep: "forward", testStep: "test" });
  assert.deepEqual(stepTable(m.Namespaced), { gradStep: "grads", initStep: "start" });
  assert.deepEqual(stepTable(m.Child), { predStep: "predictVia", testStep: "test", trainStep: "train" });
  assert.deepEqual(stepTable(m.Aliased), { trainStep: "train" });
});

test("golden: the transformer adds the metadata decorators and changes nothing else", () => {
  const file = fixture("golden.ts");
  const withPlugin = emitJs(file, true).split("\n");
  const without = emitJs(file, false).split("\n");
  const added = withPlugin.filter((line) => line.includes(`Reflect.metadata("${METADATA.paramNames}"`) || line.includes(`Reflect.metadata("${METADATA.declaredInjectables}"`));
  assert.deepEqual(added, [
    `    Reflect.metadata("${METADATA.paramNames}", ["training", "x", "initializing", "states"])`,
    `    Reflect.metadata("${METADATA.paramNames}", ["states", "yTrue", "x"])`,
    `    Reflect.metadata("${METADATA.paramNames}", ["x", "teacher", "states", "sampleWeight"]),`,
    // teacher is declared in the fixture's Injectables: recorded as such, so a missing value is told as "not provided"
    `    Reflect.metadata("${METADATA.declaredInjectables}", ["teacher"])`,
    `    Reflect.metadata("${METADATA.paramNames}", ["classWeight", "states"])`,
    `    Reflect.metadata("${METADATA.paramNames}", ["x", "states"])`,
    `    Reflect.metadata("${METADATA.paramNames}", [])`,
    `    Reflect.metadata("${METADATA.paramNames}", ["states", "x", "yTrue"])`,
  ]);
  // Only the added lines differ (and the comma that separates the decorator before each from it).
  const uncomma = (lines: string[]) => lines.map((line) => line.replace(/,$/, ""));
  assert.deepEqual(uncomma(withPlugin.filter((line) => !added.includes(line))), uncomma(without));
  // Applied first (last in the list): right after the method's own decorators.
  const i = withPlugin.indexOf(added[5]);
  assert.deepEqual(withPlugin.slice(i - 3, i + 1), ["__decorate([", "    logged,", "    reexport_1.forward,", added[5]]);
  assert.match(withPlugin[i + 1], /^\], /);
  assert.equal(withPlugin.some((line) => line.includes("design:")), false, "no design:* metadata: nothing reads it");
});

test("a file that does not use elegy-ts comes out byte for byte as without the transformer", () => {
  for (const name of ["plain.ts", "plain-classes.ts"]) {
    const file = fixture(name);
    const withPlugin = emitJs(file, true);
    assert.equal(withPlugin, emitJs(file, false), name);
    assert.match(withPlugin, /__decorate\(\[\n\s+logged\n/, `${name} does have a decorated method`);
    const { outDir, result } = compile([name]);
    assert.equal(result.exitCode, 0);
    const js = name.replace(/\.ts$/, ".js");
    assert.deepEqual(filesIn(outDir), [js]);
    assert.equal(require("node:fs").readFileSync(path.join(outDir, js), "utf8"), withPlugin, name);
  }
});

test("symbols, not text: decorators named like elegy-ts's but declared elsewhere are left alone", () => {
  const file = fixture("lookalike.ts");
  assert.equal(emitJs(file, true), emitJs(file, false));
  const { outDir, result } = compile(["lookalike.ts"]);
  assert.deepEqual(result.diagnostics, [], "no ELEGY1001 for `anything`, `goes` or `yPred`");
  const m = load<Classes>(path.join(outDir, "lookalike.js"));
  assert.equal(names(m.NotAModel, "forward"), undefined, "a local function called predStep");
  assert.equal(names(m.NotAModel, "other"), undefined, "predStep from src/decorators.ts of a package not named elegy-ts");
});

test("Injectables augmentation: declared names are accepted in every step and recorded", () => {
  const { outDir, result } = compile(["uses-injectables.ts", "augment.ts"]);
  assert.deepEqual(result.diagnostics, []);
  const m = load<Classes>(path.join(outDir, "uses-injectables.js"));
  assert.deepEqual(names(m.Distilled, "forward"), ["x", "teacher", "states"], "in @predStep");
  assert.deepEqual(names(m.Distilled, "init"), ["criticStates", "x", "states"], "in @initStep");
});
