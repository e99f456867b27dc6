// The real ts-patch path: a user's project outside the repository, elegy-ts installed there
// (a link to this package), `"plugins": [{ "transform": "elegy-ts/transformer" }]` in its
// tsconfig, compiled by ts-patch's tspc — in both of ts-patch's modes, as the README says.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { optimizers, tf } from "elegy-ts";
import { METADATA } from "../../src/metadata-keys";
import { ROOT, filesIn, load, recordedNames, regressionModel, tempDir } from "./support";

const TSPC = fs.realpathSync(path.join(ROOT, "node_modules/.bin/tspc"));
const ALL = "x, yTrue, sampleWeight, classWeight, states, initializing, training";


interface Compiled {
  dir: string;
  status: number | null;
  output: string[];
  written: string[];
}

/** Writes the project (into `into`, or a new folder) and runs tspc on it (`-p tsconfig.json`, or `args`). */
function tspc(source: string, plugin: Record<string, unknown>, more: { compilerOptions?: object; args?: string[]; into?: string } = {}): Compiled {
  const dir = more.into ?? tempDir("tspc", true);
  fs.writeFileSync(path.join(dir, "model.ts"), source);
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022", module: "node16", moduleResolution: "node16", strict: true, skipLibCheck: true,
        experimentalDecorators: true, emitDecoratorMetadata: true, useDefineForClassFields: false,
        noEmitOnError: true, rootDir: ".", outDir: "out",
        plugins: [{ transform: "elegy-ts/transformer", ...plugin }],
        ...more.compilerOptions,
      },
      files: ["model.ts"],
    }),
  );
  const r = spawnSync(process.execPath, [TSPC, ...(more.args ?? ["-p", "tsconfig.json"]), "--pretty", "false"], { cwd: dir, encoding: "utf8" });
  return { dir, status: r.status, output: (r.stdout + r.stderr).split("\n").filter((line) => line !== ""), written: filesIn(path.join(dir, "out")) };
}

const ELEGY1001 =
  `model.ts(5,22): error TS991001: ELEGY1001: Unknown injectable 'y_true' in @testStep Regression.test. Did you mean 'yTrue'? ` +
  `@testStep may request: ${ALL}. To inject a value of your own, declare 'y_true' in the Injectables interface of "elegy-ts" and call model.provide("y_true", value).`;

/** Loads the compiled model and trains it on one batch after another: the loss must fall. */
async function trains(dir: string): Promise<void> {
  const { Regression } = load<Record<string, { prototype: object; new (options: object): any }>>(path.join(dir, "out/model.js"));
  assert.deepEqual(recordedNames(Regression, "test"), ["x", "yTrue", "states", "initializing"]);
  const x = tf.tensor2d([[1, 0], [0, 1], [1, 1], [2, 1]]);
  const y = tf.tensor2d([[2], [-1], [1], [3]]); // y = 2·x0 − x1
  const m = new Regression({ backend: "cpu", optimizer: optimizers.sgd(0.1) });
  const losses: number[] = [];
  for (let i = 0; i < 5; i++) losses.push((await m.trainOnBatch(x, y)).loss);
  assert.ok(losses.every((loss, i) => i === 0 || loss < losses[i - 1]), `the loss falls: ${losses.join(", ")}`);
  assert.equal(losses[0], (4 + 1 + 1 + 9) / 4, "the first step starts from w = 0");
}

test("tspc, source transformer: a good project compiles, records the names, and its model trains", async () => {
  const good = tspc(regressionModel("yTrue"), {});
  assert.deepEqual(good.output, []);
  assert.equal(good.status, 0);
  assert.deepEqual(good.written, ["model.js"]);
  assert.match(fs.readFileSync(path.join(good.dir, "out/model.js"), "utf8"), new RegExp(`Reflect\\.metadata\\("${METADATA.paramNames}", \\["x", "yTrue", "states", "initializing"\\]\\)`));
  await trains(good.dir);
});

test("tspc, source transformer: an ELEGY error is printed as TS991001 and fails the build, but the .js is still written", () => {
  const bad = tspc(regressionModel("y_true"), {});
  assert.deepEqual(bad.output, [ELEGY1001]);
  assert.equal(bad.status, 2, "tsc's exit code for errors with outputs written");
  assert.deepEqual(bad.written, ["model.js"], "ts-patch source transformers cannot stop emit, not even with noEmitOnError");
});

test("tspc, source transformer: a destructured step parameter (ELEGY1003) is still written, and running it says why, not 'compiled without the transformer'", async () => {
  const destructured = regressionModel("yTrue").replace("test(x: tf.Tensor, yTrue: tf.Tensor,", "test({ x }: { x: tf.Tensor }, yTrue: tf.Tensor,");
  const bad = tspc(destructured, {});
  const words = "Parameter 1 of @testStep Regression.test is destructured, so it has no name to inject by. Name it after what it receives (an injectable such as x, yTrue or states) and destructure it inside the method.";
  assert.deepEqual(bad.output, [`model.ts(5,8): error TS991003: ELEGY1003: ${words}`]);
  assert.deepEqual(bad.written, ["model.js"]);
  const { Regression } = load<Record<string, { prototype: object; new (options: object): unknown }>>(path.join(bad.dir, "out/model.js"));
  assert.equal(recordedNames(Regression, "test"), undefined);
  assert.throws(() => new Regression({ backend: "cpu" }), { name: "ElegyDefinitionError", code: "ELEGY1003", message: `ELEGY1003: ${words}` });
});

test("tspc with transformProgram: the same error, exit 1 and nothing emitted; a good project compiles and trains", async () => {
  const bad = tspc(regressionModel("y_true"), { transformProgram: true });
  assert.deepEqual(bad.output, [ELEGY1001]);
  assert.equal(bad.status, 1, "tsc's exit code for errors with outputs skipped");
  assert.deepEqual(bad.written, []);

  const good = tspc(regressionModel("yTrue"), { transformProgram: true });
  assert.deepEqual(good.output, []);
  assert.equal(good.status, 0);
  assert.deepEqual(good.written, ["model.js"]);
  await trains(good.dir);
});

test("tspc with transformProgram, incremental (composite, --build): the error is reported, from the cache too, and nothing but .tsbuildinfo is written", () => {
  const composite = { compilerOptions: { composite: true } };
  const emitted = (c: Compiled) => c.written.filter((f) => f !== "tsconfig.tsbuildinfo");
  const bad = tspc(regressionModel("y_true"), { transformProgram: true }, composite);
  assert.deepEqual(bad.output, [ELEGY1001]);
  assert.equal(bad.status, 1);
  assert.deepEqual(bad.written, ["tsconfig.tsbuildinfo"]);
  // Unchanged, the next incremental build reads the file's diagnostics from .tsbuildinfo: still reported, still nothing emitted.
  const again = tspc(regressionModel("y_true"), { transformProgram: true }, { ...composite, into: bad.dir });
  assert.deepEqual([again.output, again.status, emitted(again)], [[ELEGY1001], 1, []]);

  const build = tspc(regressionModel("y_true"), { transformProgram: true }, { ...composite, args: ["--build", "tsconfig.json"] });
  assert.deepEqual([build.output, build.status, emitted(build)], [[ELEGY1001], 1, []]);
  const fixed = tspc(regressionModel("yTrue"), { transformProgram: true }, { ...composite, args: ["--build", "tsconfig.json"], into: build.dir });
  assert.deepEqual([fixed.output, fixed.status, emitted(fixed)], [[], 0, ["model.d.ts", "model.js"]]);
});

test("tspc --watch with transformProgram: the error is reported and nothing emitted; fixing the file rebuilds it", { timeout: 120_000 }, async () => {
  const first = tspc(regressionModel("y_true"), { transformProgram: true }, { args: ["--version"] }); // writes the project only
  const watcher = spawn(process.execPath, [TSPC, "-p", "tsconfig.json", "--watch", "--pretty", "false"], { cwd: first.dir });
  let output = "";
  watcher.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const until = async (text: string): Promise<void> => {
    for (const started = Date.now(); !output.includes(text); await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() - started > 60_000) throw new Error(`tspc --watch never printed '${text}':\n${output}`);
    }
  };
  try {
    await until("Found 1 error. Watching for file changes.");
    assert.ok(output.includes(ELEGY1001), output);
    assert.deepEqual(filesIn(path.join(first.dir, "out")).filter((f) => f.endsWith(".js")), []);
    fs.writeFileSync(path.join(first.dir, "model.ts"), regressionModel("yTrue"));
    await until("Found 0 errors. Watching for file changes.");
    assert.deepEqual(filesIn(path.join(first.dir, "out")).filter((f) => f.endsWith(".js")), ["model.js"]);
  } finally {
    watcher.kill();
  }
});

test("tspc inside a clone of this repository: the transformer by its path, elegy-ts by the package's own name, as docs/compile-time-checks.md shows ('elegy-ts/transformer' is not found there)", async (t) => {
  // A folder of the clone itself, where node_modules holds no elegy-ts (the package does not depend on itself).
  fs.mkdirSync(path.join(ROOT, "scratch"), { recursive: true });
  const dir = fs.mkdtempSync(path.join(ROOT, "scratch", "tspc-"));
  t.after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (fs.readdirSync(path.dirname(dir)).length === 0) fs.rmdirSync(path.dirname(dir));
  });
  fs.writeFileSync(path.join(dir, "model.ts"), regressionModel("yTrue"));
  const compile = (transform: string) => {
    const compilerOptions = { module: "node16", target: "es2022", strict: true, skipLibCheck: true, rootDir: ".", outDir: "out", plugins: [{ transform }] };
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions }, null, 2));
    const r = spawnSync(process.execPath, [TSPC, "-p", "tsconfig.json", "--pretty", "false"], { cwd: dir, encoding: "utf8" });
    return { status: r.status, output: r.stdout + r.stderr };
  };

  const byName = compile("elegy-ts/transformer");
  assert.notEqual(byName.status, 0);
  assert.match(byName.output, /Error: Cannot find module 'elegy-ts\/transformer'/);

  const transform = path.relative(dir, path.join(ROOT, "dist", "transformer")).split(path.sep).join("/");
  assert.equal(transform, "../../dist/transformer", "the docs' \"../dist/transformer\", one folder deeper");
  const byPath = compile(transform);
  assert.deepEqual([byPath.status, byPath.output], [0, ""]);
  assert.deepEqual(filesIn(path.join(dir, "out")), ["model.js"]);
  await trains(dir);
});
