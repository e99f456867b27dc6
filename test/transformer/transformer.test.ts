import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import ts from "typescript";
import { build } from "elegy-ts/transformer";
import { tmpDir } from "../support/models";

const ROOT = path.resolve(__dirname, "../../..");
const FIXTURES = path.join(ROOT, "test/fixtures/transformer");
const KEY = "elegy-ts:step:param-names";

/** An output folder inside the package, so compiled fixtures resolve "elegy-ts" by self-reference. */
function outDir(name: string): string {
  const dir = path.join(ROOT, "dist", "fixture-out", `${name}-${process.pid}-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function emittedJs(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(".js")) : [];
}

test("golden: parameter names are recorded per step method, in order, whatever the import style", () => {
  const out = outDir("golden");
  const result = build({ files: [path.join(FIXTURES, "golden.ts")], outDir: out, cwd: ROOT });
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.exitCode, 0);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(out, "golden.js"));
  const names = (cls: { prototype: object }, method: string) => Reflect.getMetadata(KEY, cls.prototype, method);
  assert.deepEqual(names(mod.Shuffled, "forward"), ["training", "x", "initializing", "states"], "shuffled order kept");
  assert.deepEqual(names(mod.Shuffled, "test"), ["states", "yTrue", "x"], "aliased import (testStep as ts); `this` parameter left out");
  assert.deepEqual(names(mod.Namespaced, "grads"), ["x", "teacher", "states", "sampleWeight"], "namespace import; Injectables augmentation accepted");
  assert.deepEqual(names(mod.Namespaced, "start"), ["classWeight", "states"], "parameter with a default value");
  assert.deepEqual(names(mod.Child, "train"), [], "a step with no parameters");
  assert.deepEqual(names(mod.Child, "forward"), ["training", "x", "initializing", "states"], "inherited step");
});

test("must-fail: exact diagnostics with file(line,col), exit code 1, nothing emitted", () => {
  const out = outDir("errors");
  const result = build({ files: [path.join(FIXTURES, "errors.ts")], outDir: out, cwd: ROOT });
  assert.equal(result.exitCode, 1);
  assert.deepEqual(emittedJs(out), []);
  const file = "test/fixtures/transformer/errors.ts";
  const may = (kind: string) => kind === "predStep" ? "x, states, initializing, training" : "x, yTrue, sampleWeight, classWeight, states, initializing, training";
  assert.deepEqual(result.diagnostics, [
    `${file}(5,22): error ELEGY1001: Unknown injectable 'y_true' in @testStep Misspelled.test. Did you mean 'yTrue'? @testStep may request: ${may("testStep")}. To inject your own value, declare 'y_true' in the Injectables interface and call model.provide("y_true", value).`,
    `${file}(10,25): error ELEGY1002: 'yTrue' is not available in @predStep Misspelled.forward. @predStep may request: ${may("predStep")}.`,
    `${file}(17,9): error ELEGY1001: Unknown injectable 'y_ture' in @trainStep Typo.train. Did you mean 'yTrue'? @trainStep may request: ${may("trainStep")}. To inject your own value, declare 'y_ture' in the Injectables interface and call model.provide("y_ture", value).`,
    `${file}(17,28): error ELEGY1001: Unknown injectable 'state' in @trainStep Typo.train. Did you mean 'states'? @trainStep may request: ${may("trainStep")}. To inject your own value, declare 'state' in the Injectables interface and call model.provide("state", value).`,
    `${file}(17,43): error ELEGY1004: 'initializing' in @trainStep Typo.train is declared as number, but elegy-ts injects boolean. Declare it as boolean.`,
    `${file}(22,9): error ELEGY1003: Parameter 1 of @gradStep Typo.grads is destructured; steps receive their arguments by parameter name. Give it a plain name (e.g. states) and destructure inside the method.`,
    `${file}(22,34): error ELEGY1003: Parameter '...rest' of @gradStep Typo.grads is a rest parameter; steps receive their arguments by parameter name. List each injectable as its own parameter.`,
    `${file}(33,3): error ELEGY1006: Twice overrides @testStep twice: in 'a' and in 'b'. Keep one @testStep per class.`,
    `${file}(38,3): error ELEGY1005: @predStep cannot decorate the static member Twice.s: steps are instance methods.`,
  ]);
});

test("symbols, not text: a local decorator named predStep is not a step", () => {
  const out = outDir("lookalike");
  const result = build({ files: [path.join(FIXTURES, "lookalike.ts")], outDir: out, cwd: ROOT });
  assert.deepEqual(result.diagnostics, []);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(out, "lookalike.js"));
  assert.equal(Reflect.getMetadata(KEY, mod.NotAModel.prototype, "forward"), undefined);
});

test("a file that does not use elegy-ts compiles byte for byte as without the transformer", () => {
  const out = outDir("plain");
  const file = path.join(FIXTURES, "plain.ts");
  assert.equal(build({ files: [file], outDir: out, cwd: ROOT }).exitCode, 0);
  const withPlugin = fs.readFileSync(path.join(out, "plain.js"), "utf8");
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, strict: true,
    esModuleInterop: true, skipLibCheck: true, types: ["node"], experimentalDecorators: true, emitDecoratorMetadata: true,
    useDefineForClassFields: false, noEmit: false, outDir: outDir("plain-tsc"),
  };
  const program = ts.createProgram([file], options);
  let withoutPlugin = "";
  program.emit(program.getSourceFile(file), (name, text) => name.endsWith(".js") && (withoutPlugin = text));
  assert.equal(withPlugin, withoutPlugin);
});

test("CLI: elegy-ts build reports, exits 1 and emits nothing on error; --help exits 0", () => {
  const bin = path.join(ROOT, "bin/elegy-ts.js");
  const out = outDir("cli");
  const failed = spawnSync(process.execPath, [bin, "build", "test/fixtures/transformer/errors.ts", "--out-dir", out], { cwd: ROOT, encoding: "utf8" });
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /^test\/fixtures\/transformer\/errors\.ts\(5,22\): error ELEGY1001: Unknown injectable 'y_true'/m);
  assert.match(failed.stderr, /elegy-ts build: 9 error\(s\); nothing was emitted\./);
  assert.deepEqual(emittedJs(out), []);
  const help = spawnSync(process.execPath, [bin, "build", "--help"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: elegy-ts build <file\.ts>\.\.\. \[--out-dir DIR\]/);
  const bad = spawnSync(process.execPath, [bin, "build", "--outdir", "x"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Unknown option '--outdir'/);
  const typeError = path.join(tmpDir("ts-error"), "bad.ts");
  fs.writeFileSync(typeError, "const n: number = 'text';\nexport { n };\n");
  const ts2322 = spawnSync(process.execPath, [bin, "build", typeError], { cwd: ROOT, encoding: "utf8" });
  assert.equal(ts2322.status, 1);
  assert.match(ts2322.stderr, /bad\.ts\(1,7\): error TS2322: Type 'string' is not assignable to type 'number'\./);
});

test("ts-patch: { transform: 'elegy-ts/transformer' } with tspc records metadata and fails on ELEGY errors", () => {
  const tspc = path.join(ROOT, "node_modules/ts-patch/bin/tspc.js");
  const run = (fixture: string) => {
    const dir = outDir(`tspc-${fixture}`);
    fs.copyFileSync(path.join(FIXTURES, `${fixture}.ts`), path.join(dir, `${fixture}.ts`));
    // As in a user's project: elegy-ts installed in node_modules (here, a link to this package).
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.symlinkSync(ROOT, path.join(dir, "node_modules", "elegy-ts"), "dir");
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        target: "ES2022", module: "node16", moduleResolution: "node16", strict: true, skipLibCheck: true, types: ["node"],
        experimentalDecorators: true, emitDecoratorMetadata: true, useDefineForClassFields: false, outDir: "out", rootDir: ".",
        plugins: [{ transform: "elegy-ts/transformer" }],
      },
      files: [`${fixture}.ts`],
    }));
    return { dir, result: spawnSync(process.execPath, [tspc, "-p", dir], { cwd: dir, encoding: "utf8" }) };
  };
  const good = run("golden");
  assert.equal(good.result.status, 0, good.result.stdout + good.result.stderr);
  assert.match(fs.readFileSync(path.join(good.dir, "out/golden.js"), "utf8"), /Reflect\.metadata\("elegy-ts:step:param-names", \["states", "yTrue", "x"\]\)/);
  const bad = run("errors");
  assert.notEqual(bad.result.status, 0);
  assert.match(bad.result.stdout, /errors\.ts\(5,22\): error TS991001: ELEGY1001: Unknown injectable 'y_true' in @testStep Misspelled\.test\. Did you mean 'yTrue'\?/);
});
