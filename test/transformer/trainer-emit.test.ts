// @trainer at build time: classes found by resolved symbol (every import style, never by
// name), the exact ELEGY1010–1015 texts, nothing written on error, and the generated
// `<name>.trainer.js` — its text, and that it runs (CommonJS and ESM, files and -p projects).
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { REQUIRED_OPTIONS, SINGLE_FILE_DEFAULTS, analyseTrainers, build, elegyDiagnostics } from "elegy-ts/transformer";
import { ROOT, filesIn, load, tempDir } from "./support";

const TRAINER_FIXTURES = path.join(ROOT, "test/fixtures/trainer");
const fixture = (name: string) => path.join(TRAINER_FIXTURES, name);

function node(args: string[], cwd: string) {
  return spawnSync(process.execPath, args, { cwd, encoding: "utf8", env: { ...process.env, ELEGY_BACKEND: "cpu" } });
}

test("ELEGY1010-1014: not a Model, not exported, no data, abstract, twice — exact texts, TS errors beside them, nothing written", () => {
  const outDir = tempDir("trainer-misuse");
  const result = build({ files: [fixture("misuse.ts")], outDir, cwd: TRAINER_FIXTURES });
  assert.equal(result.exitCode, 1);
  assert.deepEqual(filesIn(outDir), [], "no model, no trainer module");
  const noData = (cls: string) =>
    `error ELEGY1012: @trainer on ${cls} has no data. Give it @trainer({ data, … }), where data is { train, validation?, test? } or a function (async or not) returning it.`;
  const notExported = (cls: string) =>
    `error ELEGY1011: @trainer class ${cls} is not exported, so its generated trainer cannot load it. Export it from the top level of its file: \`export class ${cls} …\`.`;
  assert.deepEqual(result.diagnostics, [
    `misuse.ts(6,1): error ELEGY1010: @trainer on NotAModel needs a model class, but NotAModel does not extend Model from "elegy-ts". Declare it as \`class NotAModel extends Model\` (or extend a subclass of Model).`,
    `misuse.ts(9,1): ${notExported("Hidden")}`,
    `misuse.ts(12,1): ${noData("NoData")}`,
    "misuse.ts(12,16): error TS2345: Argument of type '{ epochs: number; }' is not assignable to parameter of type 'TrainerOptions<Model> & { sweep?: {} | undefined; }'.\n  Property 'data' is missing in type '{ epochs: number; }' but required in type 'TrainerOptions<Model>'.",
    `misuse.ts(15,1): ${noData("UndefinedData")}`,
    "misuse.ts(15,12): error TS2322: Type 'undefined' is not assignable to type 'TrainerData | (() => TrainerData | Promise<TrainerData>)'.",
    "misuse.ts(18,1): error ELEGY1013: @trainer class Abstract is abstract, so its generated trainer cannot construct it. Remove 'abstract', or put @trainer on a concrete subclass.",
    "misuse.ts(22,1): error ELEGY1014: @trainer is applied to Twice more than once. Keep one @trainer per class.",
    `misuse.ts(26,3): ${notExported("Nested")}`,
    // ExportedBelow, exported by `export { ExportedBelow as Renamed }`, is fine.
  ]);
});

test("ELEGY1015: an anonymous @trainer class; the diagnostics reach the ts-patch plugin too (elegyDiagnostics)", () => {
  const dir = tempDir("trainer-anonymous", true);
  const file = path.join(dir, "model.ts");
  fs.writeFileSync(file, 'import { Model, trainer } from "elegy-ts";\n\n@trainer({ data: { train: { x: [] } } })\nexport default class extends Model {}\n');
  const result = build({ files: [file], outDir: path.join(dir, "out"), cwd: dir });
  assert.deepEqual(result.diagnostics, [
    "model.ts(3,1): error ELEGY1015: @trainer needs a named class: the trainer and its --model flag refer to the class by name. Name it, e.g. `export default class MyModel extends Model`.",
  ]);
  const program = ts.createProgram([file], { ...SINGLE_FILE_DEFAULTS, ...REQUIRED_OPTIONS, noEmit: true });
  assert.deepEqual(elegyDiagnostics(program).map((d) => d.code), [1015]);
});

test("symbols, not text: a local `trainer` and a foreign package's trainer/Model at elegy-ts's paths are left alone", () => {
  const outDir = tempDir("trainer-lookalike");
  const result = build({ files: [fixture("lookalike.ts")], outDir, cwd: TRAINER_FIXTURES });
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(result.trainers, []);
  assert.ok(!filesIn(outDir).some((f) => f.includes(".trainer.")), filesIn(outDir).join(", "));
});

test("every import style: aliased, namespace, const alias, re-export, a class exported under another name, a mixin", () => {
  const outDir = tempDir("trainer-styles", true);
  const result = build({ files: [fixture("styles.ts")], outDir, cwd: TRAINER_FIXTURES });
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(filesIn(outDir), ["reexport.js", "styles.js", "styles.trainer.js"]);
  assert.deepEqual(
    result.trainers.map((t) => ({ source: t.source, model: t.model, trainer: t.trainer, classes: t.classes, format: t.format })),
    [
      {
        source: fixture("styles.ts"),
        model: path.join(outDir, "styles.js"),
        trainer: path.join(outDir, "styles.trainer.js"),
        classes: ["Aliased", "Namespaced", "ConstAlias", "ReExported", "Late", "Mixed"],
        format: "commonjs",
      },
    ],
  );
  assert.equal(
    fs.readFileSync(path.join(outDir, "styles.trainer.js"), "utf8"),
    [
      "#!/usr/bin/env node",
      "// Generated by elegy-ts build from styles.ts (@trainer: Aliased, Namespaced, ConstAlias, ReExported, Late, Mixed). Do not edit; rebuild instead.",
      "// Train: node styles.trainer.js [--model NAME] [--epochs N] … (--help lists the flags and their defaults)",
      '"use strict";',
      'const { main, runTrainer } = require("elegy-ts/trainer");',
      'const models = require("./styles.js");',
      'exports.classes = ["Aliased","Namespaced","ConstAlias","ReExported","Late","Mixed"];',
      "/** Trains with these command-line flags; resolves to the exit code. */",
      'exports.run = (argv, out) => runTrainer(models, argv, "styles.ts", out);',
      'if (require.main === module) main(models, "styles.ts");',
      "",
    ].join("\n"),
  );
});

test("the generated trainer runs with node: --help lists the classes, a class trains and prints JSON last", () => {
  const outDir = tempDir("trainer-run", true);
  build({ files: [fixture("styles.ts")], outDir, cwd: TRAINER_FIXTURES });
  const trainer = path.join(outDir, "styles.trainer.js");
  const help = node([trainer, "--model", "Aliased", "--help"], outDir);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: elegy-ts train styles\.ts \[options\]/);
  assert.match(help.stdout, /--model NAME {8}the class to train: Aliased, Namespaced, ConstAlias, ReExported, Late, Mixed \(default Aliased\)/);
  assert.match(help.stdout, /--epochs N .*\(default 2\)/);
  assert.match(help.stdout, /--batch-size N {6}examples per batch \(default 8\)/);

  const runDir = path.join(outDir, "run");
  const run = node([trainer, "--model", "Mixed", "--epochs", "2", "--verbose", "0", "--out-dir", runDir], outDir);
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split("\n");
  assert.equal(lines.length, 1, "verbose 0: only the JSON line");
  assert.deepEqual(Object.keys(JSON.parse(lines[0])), ["loss"]);
  assert.deepEqual(fs.readdirSync(runDir).sort(), ["checkpoint", "history.csv", "report.html"]);

  // Required, it runs nothing by itself and exports run() — what `elegy-ts train` calls.
  const module = load<{ run: unknown; classes: string[] }>(trainer);
  assert.equal(typeof module.run, "function");
  assert.deepEqual(module.classes, ["Aliased", "Namespaced", "ConstAlias", "ReExported", "Late", "Mixed"]);

  const bad = node([trainer, "--epochs", "0"], outDir);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, "--epochs must be a positive integer, got '0'.\n");
});

test("ESM: in a \"type\": \"module\" package the model and its trainer are ES modules, and the trainer runs", () => {
  const dir = tempDir("trainer-esm", true);
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "esm-user", private: true, type: "module" }));
  fs.copyFileSync(fixture("styles.ts"), path.join(dir, "styles.ts"));
  fs.copyFileSync(fixture("reexport.ts"), path.join(dir, "reexport.ts"));
  fs.writeFileSync(path.join(dir, "styles.ts"), fs.readFileSync(path.join(dir, "styles.ts"), "utf8").replace('"./reexport"', '"./reexport.js"'));
  const result = build({ files: [path.join(dir, "styles.ts")], outDir: path.join(dir, "out"), cwd: dir });
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.trainers[0].format, "esm");
  const text = fs.readFileSync(path.join(dir, "out", "styles.trainer.js"), "utf8");
  assert.match(text, /^import \* as models from "\.\/styles\.js";$/m);
  const run = node([path.join(dir, "out", "styles.trainer.js"), "--epochs", "1", "--verbose", "0", "--out-dir", path.join(dir, "run")], dir);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(Object.keys(JSON.parse(run.stdout.trim())), ["loss"]);
});

test("-p project: the trainer module goes beside the compiled model in the project's outDir", () => {
  const dir = tempDir("trainer-project", true);
  fs.mkdirSync(path.join(dir, "src"));
  fs.copyFileSync(fixture("styles.ts"), path.join(dir, "src", "styles.ts"));
  fs.copyFileSync(fixture("reexport.ts"), path.join(dir, "src", "reexport.ts"));
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { ...{ module: "node16", target: "es2022", strict: true, skipLibCheck: true }, rootDir: "src", outDir: "build" } }),
  );
  const result = build({ project: dir, cwd: dir });
  assert.deepEqual(result.diagnostics, []);
  assert.deepEqual(filesIn(path.join(dir, "build")), ["reexport.js", "styles.js", "styles.trainer.js"]);
  assert.deepEqual(analyseTrainers(ts.createProgram([path.join(dir, "src", "styles.ts")], { ...SINGLE_FILE_DEFAULTS, ...REQUIRED_OPTIONS })).files.map((f) => f.classes.length), [6]);
});
