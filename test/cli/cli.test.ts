// The elegy-ts command as users run it (node bin/elegy-ts.js …, in a child process): help for
// each command, `train` building a .ts file into its cache (and again only when a source
// changed), running the generated trainer of a real example, and its errors.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BIN, ROOT, tempDir } from "../transformer/support";

function elegy(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: "utf8",
    env: { ...process.env, ELEGY_MNIST_TRAIN_SIZE: "", ELEGY_MNIST_TEST_SIZE: "", ...options.env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("elegy-ts --help lists the commands; build --help and train --help list their flags", () => {
  const main = elegy(["--help"]);
  assert.equal(main.status, 0);
  assert.match(main.stdout, /^ {2}build {3}compile \.ts files or a tsconfig project with the elegy transformer$/m);
  assert.match(main.stdout, /^ {2}train {3}build a model file if needed and run its generated trainer$/m);
  const bare = elegy([]);
  assert.equal(bare.status, 1);
  assert.equal(bare.stderr, main.stdout, "no command: the same help, on stderr");

  const build = elegy(["build", "--help"]);
  assert.equal(build.status, 0);
  assert.match(build.stdout, /--out-dir DIR/);
  assert.match(build.stdout, /<name>\.trainer\.js beside its \.js/);

  const train = elegy(["train", "--help"]);
  assert.equal(train.status, 0);
  for (const flag of ["--model NAME", "--epochs N", "--batch-size N", "--backend NAME", "--out-dir DIR", "--verbose 0|1|2", "--seed N", "--resume"]) {
    assert.ok(train.stdout.includes(`  ${flag} `), `train --help shows ${flag}`);
  }
  assert.match(train.stdout, /counting the epochs done \(default 1\)/);
  assert.match(train.stdout, /examples per batch \(default 32\)/);
  assert.match(train.stdout, /\(default runs\/<ClassName>\)/);
  assert.equal(elegy(["help", "train"]).stdout, train.stdout);
});

test("a misspelt command gets a did-you-mean, as flags do; a name far from every command gets the list only", () => {
  const commands = "Commands: build, train, export, sweep, worker.";
  const typo = elegy(["trian", "x.ts"]);
  assert.equal(typo.status, 1);
  assert.equal(typo.stderr.trim(), `elegy-ts: unknown command 'trian'. Did you mean 'train'? ${commands} Run 'elegy-ts --help' for usage.`);
  assert.equal(elegy(["exprot"]).stderr.trim(), `elegy-ts: unknown command 'exprot'. Did you mean 'export'? ${commands} Run 'elegy-ts --help' for usage.`);
  assert.equal(elegy(["fly"]).stderr.trim(), `elegy-ts: unknown command 'fly'. ${commands} Run 'elegy-ts --help' for usage.`);
  assert.equal(elegy(["help", "biuld"]).stderr.trim(), `elegy-ts: no help for unknown command 'biuld'. Did you mean 'build'? ${commands}`);
});

test("train: missing, wrong and model-less files are refused in one line, exit 1", () => {
  const none = elegy(["train"]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^Usage: elegy-ts train <file\.ts\|file\.js> \[--model NAME\]/);
  const missing = elegy(["train", "nope.ts"]);
  assert.deepEqual([missing.status, missing.stderr], [1, "elegy-ts train: no such file: nope.ts\n"]);
  const wrong = elegy(["train", "package.json"]);
  assert.deepEqual([wrong.status, wrong.stderr], [1, "elegy-ts train takes a .ts model file (or the .js that elegy-ts build made of it), got package.json.\n"]);

  const dir = tempDir("cli-no-trainer", true);
  fs.writeFileSync(path.join(dir, "plain.ts"), 'import { Model } from "elegy-ts";\nexport class Plain extends Model {}\n');
  const plain = elegy(["train", "plain.ts"], { cwd: dir });
  assert.equal(plain.status, 1);
  assert.equal(
    plain.stderr,
    "elegy-ts train: plain.ts has no exported model class decorated with @trainer({ data, … }), so there is nothing to train. " +
      "Add one, e.g. @trainer({ data: () => datasets.mnist(), epochs: 2 }) on an exported class that extends Model.\n",
  );
});

test("train: a plain-JS file with a @trainer class it does not export is refused with the ELEGY1011 twin", () => {
  const dir = tempDir("cli-not-exported", true);
  // As the build would refuse it (ELEGY1011), but the build never saw this file.
  fs.writeFileSync(
    path.join(dir, "model.js"),
    'const { Model, trainer } = require("elegy-ts");\n' +
      "const data = { train: { x: [[0]] } };\n" +
      "trainer({ data })(class Hidden extends Model {});\n" +
      "exports.Shown = trainer({ data })(class Shown extends Model {});\n",
  );
  const run = elegy(["train", "model.js", "--help"], { cwd: dir });
  assert.equal(run.status, 1);
  assert.equal(
    run.stderr,
    "ElegyDefinitionError: ELEGY1011: @trainer class Hidden is not exported, so its generated trainer cannot load it. " +
      "Export it from the top level of its file: `export class Hidden …`.\n",
  );
  fs.writeFileSync(path.join(dir, "shown.js"), fs.readFileSync(path.join(dir, "model.js"), "utf8").replace("trainer({ data })(class Hidden", "exports.Hidden = trainer({ data })(class Hidden"));
  const both = elegy(["train", "shown.js", "--help"], { cwd: dir });
  assert.equal(both.status, 0, both.stderr);
  assert.match(both.stdout, /^Usage: elegy-ts train shown\.js \[options\]/);
});

test("train builds a .ts file once, again only when a source changes, and stops on build errors", () => {
  const dir = tempDir("cli-cache", true);
  const model = path.join(dir, "model.ts");
  fs.copyFileSync(path.join(ROOT, "test/fixtures/trainer/regression.ts"), model);
  const record = path.join(dir, ".elegy-build", "model.build.json");

  const first = elegy(["train", "model.ts", "--help"], { cwd: dir });
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /counting the epochs done \(default 3\)/);
  assert.deepEqual(fs.readdirSync(path.join(dir, ".elegy-build")).sort(), ["model.build.json", "model.js", "model.trainer.js"]);
  const built = fs.statSync(record).mtimeMs;

  const cached = elegy(["train", "model.ts", "--help"], { cwd: dir });
  assert.equal(cached.stdout, first.stdout);
  assert.equal(fs.statSync(record).mtimeMs, built, "unchanged sources: no rebuild");

  fs.writeFileSync(model, fs.readFileSync(model, "utf8").replace("epochs: 3, batchSize: 16", "epochs: 5, batchSize: 16"));
  const changed = elegy(["train", "model.ts", "--help"], { cwd: dir });
  assert.match(changed.stdout, /counting the epochs done \(default 5\)/, "the edit is built");

  fs.writeFileSync(model, fs.readFileSync(model, "utf8").replace("initializing: boolean): [tf.Scalar", "initializing: boolean, y_true?: tf.Tensor): [tf.Scalar"));
  const broken = elegy(["train", "model.ts"], { cwd: dir });
  assert.equal(broken.status, 1);
  const lines = broken.stderr.trim().split("\n");
  assert.match(lines[0], /^model\.ts\(\d+,\d+\): error ELEGY1001: Unknown injectable 'y_true' in @testStep Regression\.test\. Did you mean 'yTrue'\?/);
  assert.equal(lines.at(-1), "elegy-ts train: model.ts did not build (1 error); fix it and run again.");
});

test("train examples/linear-classifier.ts on an MNIST subset: the progress lines, the artefacts, the JSON last line", () => {
  const outDir = tempDir("cli-linear");
  const env = { ELEGY_MNIST_TRAIN_SIZE: "2048", ELEGY_MNIST_TEST_SIZE: "512" };
  const run = elegy(["train", "examples/linear-classifier.ts", "--epochs", "2", "--out-dir", outDir], { env });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /^elegy-ts: MNIST cut to ELEGY_MNIST_TRAIN_SIZE=2048, ELEGY_MNIST_TEST_SIZE=512$/m);
  const lines = run.stdout.trim().split("\n");
  assert.equal(lines[0], `Training LinearClassifier (linear-classifier.ts): epochs 1-2 of 2, batch size 64, backend ${/backend (\w+)/.exec(run.stderr)![1]}, seed 42 → ${outDir}`);
  assert.equal(lines[1], "Epoch 1/2");
  // Not a terminal: one plain line per epoch, with the bar full.
  assert.match(lines[2], /^32\/32 ━{20} \d+s \d+ms\/step - accuracy: \d\.\d{4} - loss: \d+\.\d{4} - lr: 0\.0010$/);
  assert.equal(lines[3], "Epoch 2/2");
  assert.match(lines[5], /^Test: accuracy: \d\.\d{4} - loss: \d+\.\d{4}$/);
  const final = JSON.parse(lines.at(-1)!) as Record<string, number>;
  assert.deepEqual(Object.keys(final), ["accuracy", "loss"]);
  assert.ok(final.accuracy > 0.1 && final.loss < 10, JSON.stringify(final));
  assert.deepEqual(fs.readdirSync(outDir).sort(), ["checkpoint", "history.csv", "report.html"]);
  assert.equal(fs.readFileSync(path.join(outDir, "history.csv"), "utf8").trim().split("\n").length, 3);

  // The compiled .js runs through the trainer module beside it.
  const js = elegy(["train", "examples/.elegy-build/linear-classifier.js", "--model", "LinearClassifierWithPredStep", "--help"]);
  assert.equal(js.status, 0, js.stderr);
  assert.match(js.stdout, /the class to train: LinearClassifier, LinearClassifierWithPredStep \(default LinearClassifier\)/);

  // A compiled model with no trainer module beside it (built by tspc, say) runs from its exports.
  const solo = path.join(ROOT, "dist", "fixture-out", `cli-solo-${process.pid}`);
  fs.mkdirSync(solo, { recursive: true });
  fs.copyFileSync(path.join(ROOT, "examples", ".elegy-build", "linear-classifier.js"), path.join(solo, "model.js"));
  const bare = elegy(["train", path.join(solo, "model.js"), "--help"]);
  assert.equal(bare.status, 0, bare.stderr);
  assert.match(bare.stdout, /^Usage: elegy-ts train model\.js \[options\]/);
  fs.rmSync(solo, { recursive: true, force: true });
});

test("train: an error in the model's own code shows its stack; an elegy-ts error is one line; both exit 1", () => {
  const dir = tempDir("cli-failing", true);
  fs.writeFileSync(
    path.join(dir, "failing.ts"),
    [
      'import { Model, optimizers, tf, trainer } from "elegy-ts";',
      "function broken(): never {",
      '  throw new TypeError("the data loader broke");',
      "}",
      "@trainer({ data: broken })",
      "export class Broken extends Model {}",
      "@trainer({ data: () => ({ train: { x: tf.zeros([4, 2]) } }), modelOptions: { optimizer: optimizers.sgd(0.1) } })",
      "export class Moduleless extends Model {}",
      "",
    ].join("\n"),
  );
  const broken = elegy(["train", "failing.ts", "--backend", "cpu"], { cwd: dir });
  assert.equal(broken.status, 1);
  assert.match(broken.stderr, /^elegy-ts train: the training stopped with an error:\nTypeError: the data loader broke\n {4}at broken \(/m);
  assert.doesNotMatch(broken.stderr, /internal error/);

  const moduleless = elegy(["train", "failing.ts", "--model", "Moduleless", "--backend", "cpu"], { cwd: dir });
  assert.equal(moduleless.status, 1);
  const last = moduleless.stderr.trim().split("\n").at(-1)!;
  assert.match(last, /^ElegyMissingStepError: /, moduleless.stderr);
});

test("train --verbose 0 prints only the JSON line; the backend line comes when a backend is asked for or the output is verbose", () => {
  const dir = tempDir("cli-quiet", true);
  fs.copyFileSync(path.join(ROOT, "test/fixtures/trainer/regression.ts"), path.join(dir, "model.ts"));
  const env = { ELEGY_BACKEND: "" };
  const quiet = elegy(["train", "model.ts", "--epochs", "1", "--verbose", "0", "--out-dir", "quiet"], { cwd: dir, env });
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.deepEqual([quiet.stdout.split("\n").length, quiet.stderr], [2, ""], quiet.stdout);
  assert.deepEqual(Object.keys(JSON.parse(quiet.stdout)), ["loss"]);

  const asked = elegy(["train", "model.ts", "--epochs", "1", "--verbose", "0", "--backend", "cpu", "--out-dir", "asked"], { cwd: dir, env });
  assert.deepEqual([asked.status, asked.stderr], [0, "elegy-ts: backend cpu (requested)\n"]);
  const fromEnv = elegy(["train", "model.ts", "--epochs", "1", "--verbose", "0", "--out-dir", "env"], { cwd: dir, env: { ELEGY_BACKEND: "cpu" } });
  assert.deepEqual([fromEnv.status, fromEnv.stderr], [0, "elegy-ts: backend cpu (requested)\n"]);

  const verbose = elegy(["train", "model.ts", "--epochs", "1", "--verbose", "2", "--out-dir", "verbose"], { cwd: dir, env });
  assert.equal(verbose.status, 0, verbose.stderr);
  assert.match(verbose.stderr, /^elegy-ts: backend \w+ \(auto; [^)]*\)(, with(out)? its C\+\+ kernels \([^)]*\))?\n$/);
});
