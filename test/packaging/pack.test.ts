// elegy-ts as users get it. A copy of this repository (without node_modules builds or dist) is
// packed with `npm pack`, whose prepack builds the library; the tarball is installed from the
// registry's dependencies into an empty folder outside the repository, an example is copied
// there, and `npx elegy-ts train it.ts` builds it, trains, and resumes. Slow (pack + install),
// and it needs the npm registry or npm's cache for the dependencies.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after } from "node:test";

const ROOT = path.resolve(__dirname, "../../..");
const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "elegy-pack-")));
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** Not part of the copy: what npm never reads to pack (dependencies, build output, git). */
const NOT_COPIED = new Set(["node_modules", "dist", ".git"]);

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, ELEGY_MNIST_TRAIN_SIZE: "", ELEGY_MNIST_TEST_SIZE: "", ...env } });
  const text = `$ ${command} ${args.join(" ")}\n${result.stdout}\n${result.stderr}`;
  assert.equal(result.status, 0, text);
  return { stdout: result.stdout, stderr: result.stderr };
}

function pack(): string {
  const copy = path.join(work, "repository");
  fs.mkdirSync(copy);
  for (const entry of fs.readdirSync(ROOT)) {
    if (!NOT_COPIED.has(entry)) fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  }
  // Outputs lying around in a working copy must not be packed either.
  fs.mkdirSync(path.join(copy, "examples", ".elegy-build"), { recursive: true });
  fs.writeFileSync(path.join(copy, "examples", ".elegy-build", "stale.js"), "");
  fs.mkdirSync(path.join(copy, "runs", "X"), { recursive: true });
  fs.writeFileSync(path.join(copy, "runs", "X", "history.csv"), "epoch\n");
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(copy, "node_modules"), "dir");
  const out = path.join(work, "tarball");
  fs.mkdirSync(out);
  run("npm", ["pack", "--pack-destination", out], copy);
  const [tarball] = fs.readdirSync(out);
  assert.match(tarball, /^elegy-ts-\d+\.\d+\.\d+\.tgz$/);
  return path.join(out, tarball);
}

test("npm pack → npm install in an empty folder → npx elegy-ts train it.ts builds, trains, resumes", { timeout: 900_000 }, () => {
  const tarball = pack();

  const files = run("tar", ["-tzf", tarball], work).stdout.trim().split("\n").map((f) => f.replace(/^package\//, ""));
  for (const needed of [
    "package.json", "README.md", "LICENSE", "bin/elegy-ts.js",
    "dist/src/index.js", "dist/src/index.d.ts", "dist/src/cli/main.js", "dist/src/trainer/index.js", "dist/src/trainer/index.d.ts",
    "dist/transformer/index.js", "dist/transformer/index.d.ts", "dist/transformer/emit-trainer.js",
  ]) {
    assert.ok(files.includes(needed), `${needed} is packed`);
  }
  const stray = files.filter((f) => !/^(package\.json|README\.md|LICENSE|bin\/elegy-ts\.js|dist\/(src|transformer|bundler)\/.+\.(m?js|d\.m?ts)|native\/[\w-]+\.(cc|h)|binding\.gyp|scripts\/build-native\.js)$/.test(f));
  assert.deepEqual(stray, [], "only the CLI, compiled JS and declarations, and the native addon's sources: no tests, examples, bench, runs, source maps, build/");

  const app = path.join(work, "app");
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "elegy-user", private: true }, null, 2));
  run("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline"], app);
  assert.ok(!fs.lstatSync(path.join(app, "node_modules", "elegy-ts")).isSymbolicLink(), "installed, not linked");
  // The install script built the native addon in the installed package (npm 11 here warns that it is not covered by
  // allowScripts, but runs it); where no compiler exists, the status says why instead.
  const status = JSON.parse(run("node", ["-e", 'console.log(JSON.stringify(require("elegy-ts").backends.nativeKernelStatus()))'], app).stdout) as { loaded: boolean; detail: string };
  if (spawnSync("g++", ["--version"]).status === 0) {
    assert.equal(status.loaded, true, status.detail);
    assert.equal(status.detail, path.join(fs.realpathSync(app), "node_modules", "elegy-ts", "build", "Release", "elegy_kernels.node"));
  }
  fs.copyFileSync(path.join(ROOT, "examples", "linear-classifier.ts"), path.join(app, "it.ts"));

  const subset = { ELEGY_MNIST_TRAIN_SIZE: "1024", ELEGY_MNIST_TEST_SIZE: "256" };
  const first = run("npx", ["--no", "elegy-ts", "train", "it.ts", "--epochs", "1"], app, subset);
  const lines = first.stdout.trim().split("\n");
  assert.match(lines[0], /^Training LinearClassifier \(it\.ts\): epochs 1-1 of 1, batch size 64, backend \w+, seed 42 → runs\/LinearClassifier$/);
  assert.equal(lines[1], "Epoch 1/1");
  assert.match(lines[2], /^16\/16 ━{20} \d+s \d+ms\/step - accuracy: \d\.\d{4} - loss: \d+\.\d{4} - lr: 0\.0010$/);
  assert.equal(lines.at(-2), "Wrote runs/LinearClassifier/history.csv, runs/LinearClassifier/checkpoint/, runs/LinearClassifier/report.html");
  assert.deepEqual(Object.keys(JSON.parse(lines.at(-1)!)), ["accuracy", "loss"]);
  const runDir = path.join(app, "runs", "LinearClassifier");
  assert.deepEqual(fs.readdirSync(runDir).sort(), ["checkpoint", "history.csv", "report.html"]);
  assert.ok(fs.existsSync(path.join(app, ".elegy-build", "it.trainer.js")), "the generated trainer");

  const resumed = run("npx", ["--no", "elegy-ts", "train", "it.ts", "--epochs", "2", "--resume"], app, subset);
  assert.match(resumed.stdout, /^Resuming LinearClassifier \(it\.ts\): epochs 2-2 of 2,/);
  assert.match(resumed.stdout, /^Epoch 2\/2$/m);
  assert.doesNotMatch(resumed.stdout, /^Epoch 1\/2$/m);
  const history = fs.readFileSync(path.join(runDir, "history.csv"), "utf8").trim().split("\n");
  assert.deepEqual(history.map((row) => row.split(",")[0]), ["epoch", "0", "1"], "the history grew by the resumed epoch");
  const saved = fs.readFileSync(path.join(runDir, "checkpoint", "checkpoint.safetensors"));
  const metadata = JSON.parse(saved.subarray(8, 8 + Number(saved.readBigUInt64LE(0))).toString("utf8")).__metadata__;
  assert.equal(JSON.parse(metadata["elegy.layout"]).epoch, 2);

  // The build command and the transformer entry for ts-patch work from the installed package too.
  run("npx", ["--no", "elegy-ts", "build", "it.ts", "--out-dir", "out"], app);
  assert.match(run("node", [path.join("out", "it.trainer.js"), "--help"], app).stdout, /the class to train: LinearClassifier, LinearClassifierWithPredStep/);
  run("node", ["-e", 'require("elegy-ts/transformer").default; require("elegy-ts/trainer").runTrainer'], app);
});
