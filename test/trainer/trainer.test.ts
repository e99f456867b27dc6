// The trainer at run time (runTrainer, what every generated trainer calls): artefacts, resume,
// flags over @trainer values, --help defaults, datasets as splits, afterTraining, and the exact
// texts of command-line and @trainer mistakes.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Model, trainer, type TrainerOptions } from "elegy-ts";
import { build, TRAINER_MESSAGES } from "elegy-ts/transformer";
import { readTrainerFlags, resolveTrainerFlags, runTrainer, trainerClasses, trainerDefaults } from "elegy-ts/trainer";
import { tmpDir } from "../support/models";

const ROOT = path.resolve(__dirname, "../../..");
const MODELS = "Regression, Other, FromBatches, WithHook";

let compiled: Record<string, unknown> | undefined;
function compiledFixture(): Record<string, unknown> {
  if (compiled) return compiled;
  const out = path.join(ROOT, "dist", "fixture-out", `trainer-${process.pid}`);
  const result = build({ files: [path.join(ROOT, "test/fixtures/trainer/regression.ts")], outDir: out, cwd: ROOT });
  assert.deepEqual(result.diagnostics, []);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  compiled = require(path.join(out, "regression.js")) as Record<string, unknown>;
  return compiled;
}

async function train(argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runTrainer(compiledFixture(), [...argv], "regression.ts", (l) => void lines.push(l));
  return { code, lines };
}

const csvRows = (dir: string) => fs.readFileSync(path.join(dir, "history.csv"), "utf8").trim().split("\n");

test("trainer: fits, evaluates on test, leaves history.csv, checkpoint and report, prints JSON last", async () => {
  const outDir = tmpDir("trainer-run");
  const { code, lines } = await train(["--epochs", "2", "--out-dir", outDir, "--backend", "cpu", "--verbose", "2"]);
  assert.equal(code, 0);
  assert.match(lines[0], /^Training Regression \(regression\.ts\): epochs 1-2 of 2, batch size 16, backend cpu, seed 42 → /);
  assert.match(lines.at(-3)!, /^Test: loss: \d+\.\d{4}$/);
  assert.match(lines.at(-2)!, /^Wrote .*history\.csv, .*checkpoint\/, .*report\.html$/);
  const final = JSON.parse(lines.at(-1)!) as Record<string, number>;
  assert.deepEqual(Object.keys(final), ["loss"]);
  const csv = csvRows(outDir);
  assert.equal(csv[0], "epoch,loss,lr,val_loss");
  assert.equal(csv.length, 3);
  assert.ok(fs.existsSync(path.join(outDir, "checkpoint", "checkpoint.safetensors")));
  const report = fs.readFileSync(path.join(outDir, "report.html"), "utf8");
  assert.match(report, /<svg/);
  assert.match(report, /<dt>epochs<\/dt><dd>2<\/dd>/);
  assert.match(report, new RegExp(`<dt>test loss</dt><dd>${Number(final.loss.toPrecision(6))}</dd>`));

  const resumed = await train(["--epochs", "4", "--out-dir", outDir, "--verbose", "0", "--backend", "cpu", "--resume"]);
  assert.equal(resumed.code, 0);
  assert.equal(resumed.lines.length, 1, "verbose 0: only the JSON line");
  assert.deepEqual(csvRows(outDir).map((r) => r.split(",")[0]), ["epoch", "0", "1", "2", "3"], "resumed at epoch 2, appended to the history");
  assert.ok(JSON.parse(resumed.lines[0]).loss < final.loss, "two more epochs lowered the test loss");
  assert.match(fs.readFileSync(path.join(outDir, "report.html"), "utf8"), /<dt>epochs<\/dt><dd>4<\/dd>/, "the report covers every epoch");

  // A row logged after the last checkpoint (a crash between the two) is dropped before resuming.
  fs.appendFileSync(path.join(outDir, "history.csv"), "4,0.5,0.1,0.5\n");
  const again = await train(["--epochs", "5", "--out-dir", outDir, "--verbose", "2", "--backend", "cpu", "--resume"]);
  assert.equal(again.code, 0);
  // The seed is not the resumed run's: it continues the checkpoint's random state, and says so.
  assert.match(again.lines[0], /^Resuming Regression \(regression\.ts\): epochs 5-5 of 5, batch size 16, backend cpu, random state from the checkpoint → /);
  assert.match(fs.readFileSync(path.join(outDir, "report.html"), "utf8"), /<dt>seed<\/dt><dd>continued from the checkpoint<\/dd>/);
  assert.deepEqual(csvRows(outDir).map((r) => r.split(",")[0]), ["epoch", "0", "1", "2", "3", "4"]);
  assert.notEqual(csvRows(outDir)[5], "4,0.5,0.1,0.5");

  await assert.rejects(train(["--epochs", "5", "--out-dir", outDir, "--backend", "cpu", "--resume"]), {
    message: `--resume: the checkpoint in ${path.join(outDir, "checkpoint")} has 5 epoch(s) done and --epochs is 5, so there is nothing to train. --epochs counts from the first epoch: give --epochs 6 or more.`,
  });
});

test("trainer: --help shows each flag with the decorator's defaults; --model picks a class", async () => {
  const help = await train(["--help"]);
  assert.equal(help.code, 0);
  const text = help.lines[0];
  assert.match(text, /^Usage: elegy-ts train regression\.ts \[options\]/);
  assert.match(text, /--epochs N {10}train until epoch N; with --resume, counting the epochs done \(default 3\)/);
  assert.match(text, /--batch-size N {6}examples per batch \(default 16\)/);
  assert.match(text, new RegExp(`--model NAME {8}the class to train: ${MODELS} \\(default Regression\\)`));
  assert.match(text, /--out-dir DIR {7}where history\.csv, checkpoint\/ and report\.html go \(default runs\/Regression\)/);
  assert.match(text, /--seed N {12}seed of states\.rng \(default 42\)/);
  const other = await train(["--model", "Other", "--help"]);
  assert.match(other.lines[0], /examples per batch \(default 32\)/);
  assert.match(other.lines[0], /counting the epochs done \(default 1\)/);
  const hook = await train(["--model=WithHook", "-h"]);
  assert.match(hook.lines[0], /seed of states\.rng \(default 7\)/);
});

test("trainer: flags override @trainer; datasets of batches as splits; afterTraining sees the run", async () => {
  const outDir = tmpDir("trainer-batches");
  const batches = await train(["--model", "FromBatches", "--out-dir", outDir, "--backend", "cpu", "--verbose", "0"]);
  assert.equal(batches.code, 0);
  assert.equal(csvRows(outDir).length, 3, "FromBatches' own 2 epochs");
  assert.deepEqual(Object.keys(JSON.parse(batches.lines[0])), ["loss"]);
  // The datasets yield their own batches: a --batch-size would be ignored, so it is refused before anything is written.
  const sized = tmpDir("trainer-batches-sized");
  await assert.rejects(train(["--model", "FromBatches", "--batch-size", "8", "--out-dir", sized, "--backend", "cpu"]), {
    name: "CliError",
    message:
      "--batch-size is 8, but the data of FromBatches (train, test) are datasets that yield their own batches, so it would be ignored. " +
      "Batch the datasets themselves in @trainer({ data }), or leave --batch-size out.",
  });
  assert.deepEqual(fs.readdirSync(sized), []);
  const shown = await train(["--model", "FromBatches", "--out-dir", tmpDir("trainer-batches-banner"), "--backend", "cpu", "--verbose", "2"]);
  assert.match(shown.lines[0], /^Training FromBatches \(regression\.ts\): epochs 1-2 of 2, batches from the dataset, backend cpu, seed 42 → /);

  const hookDir = tmpDir("trainer-hook");
  const hook = await train(["--model", "WithHook", "--epochs", "2", "--seed", "11", "--out-dir", hookDir, "--backend", "cpu", "--verbose", "2"]);
  assert.equal(hook.code, 0);
  assert.equal(hook.lines.at(-3), "after training", "afterTraining's log line, before the Wrote and JSON lines");
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(hookDir, "after.json"), "utf8")), { epoch: 2, logs: ["loss"], history: [0, 1], seed: 11 });
  const quiet = await train(["--model", "WithHook", "--out-dir", tmpDir("trainer-hook-quiet"), "--backend", "cpu", "--verbose", "0"]);
  assert.equal(quiet.lines.length, 1, "verbose 0 silences afterTraining's log too");
});

test("trainer: unknown flags and bad values are refused with the valid ones listed", async () => {
  const valid = "Valid flags: --model, --epochs, --batch-size, --backend, --out-dir, --verbose, --seed, --model-options, --resume, --overwrite, --help.";
  await assert.rejects(train(["--epoch", "3"]), { message: `Unknown flag '--epoch'. Did you mean '--epochs'? ${valid}` });
  await assert.rejects(train(["--batchsize", "3"]), { message: `Unknown flag '--batchsize'. Did you mean '--batch-size'? ${valid}` });
  await assert.rejects(train(["--lr", "3"]), { message: `Unknown flag '--lr'. ${valid}` });
  await assert.rejects(train(["--epochs"]), { message: "--epochs needs a value, e.g. --epochs 1." });
  await assert.rejects(train(["--resume=yes"]), { message: "--resume takes no value: write --resume alone." });
  await assert.rejects(train(["3"]), { message: `Unexpected argument '3': the trainer takes only flags. ${valid}` });
  await assert.rejects(train(["--epochs", "zero"]), { message: "--epochs must be a positive integer, got 'zero'." });
  await assert.rejects(train(["--batch-size", "1.5"]), { message: "--batch-size must be a positive integer, got '1.5'." });
  await assert.rejects(train(["--backend", "wsm"]), { message: "--backend must be one of auto, cuda, native, wasm, cpu, got 'wsm'. Did you mean 'wasm'?" });
  await assert.rejects(train(["--backend", "tensorflow"]), { message: "--backend must be one of auto, cuda, native, wasm, cpu, got 'tensorflow'. Did you mean 'native'?" });
  await assert.rejects(train(["--verbose", "3"]), { message: "--verbose must be 0, 1 or 2, got '3'." });
  await assert.rejects(train(["--seed", "x"]), { message: "--seed must be an integer, got 'x'." });
  await assert.rejects(train(["--resume", "--seed", "7"]), {
    message:
      "--seed cannot be given with --resume: a resumed run continues from its checkpoint's random state (states.rng), " +
      "so it trains exactly as the run would have without the stop, whatever the seed. Drop --seed 7 to continue the run, " +
      "or start a new one with --seed 7 (--overwrite, or another --out-dir).",
  });
  await assert.rejects(train(["--model", "Nope"]), { message: `regression.ts has no @trainer class 'Nope'. Choose --model ${MODELS.replaceAll(", ", " | ")}.` });
  await assert.rejects(train(["--model", "regresion"]), { message: `regression.ts has no @trainer class 'regresion'. Did you mean 'Regression'? Choose --model ${MODELS.replaceAll(", ", " | ")}.` });
  const empty = tmpDir("trainer-empty");
  await assert.rejects(train(["--resume", "--out-dir", empty]), {
    message: `--resume: there is no checkpoint in ${path.join(empty, "checkpoint")} to continue from. Train once without --resume first (or give the --out-dir of that run).`,
  });
});

test("trainer defaults: ELEGY_BACKEND beats @trainer's backend and is named when wrong", () => {
  const defaults = trainerDefaults("M", { backend: "cpu", epochs: 2 }, { ELEGY_BACKEND: "wasm" });
  assert.deepEqual(defaults, { epochs: 2, batchSize: 32, backend: "wasm", backendFrom: "ELEGY_BACKEND", outDir: path.join("runs", "M"), verbose: 1, seed: 42 });
  assert.equal(resolveTrainerFlags(readTrainerFlags(["--backend", "cpu"]), defaults).backend, "cpu", "the flag beats both");
  assert.equal(trainerDefaults("M", { backend: "cpu" }, {}).backendFrom, "@trainer");
  assert.throws(() => resolveTrainerFlags(readTrainerFlags([]), trainerDefaults("M", {}, { ELEGY_BACKEND: "gpu" })), {
    message: "ELEGY_BACKEND must be one of auto, cuda, native, wasm, cpu, got 'gpu'. Did you mean 'cuda'?",
  });
});

test("@trainer options are checked when the decorator runs, in the words and with the code of ELEGY1012", () => {
  const decorate = (options: unknown) => trainer(options as TrainerOptions)(class Bad extends Model {});
  const withoutData = {
    name: "ElegyDefinitionError",
    code: "ELEGY1012",
    message:
      "ELEGY1012: @trainer on Bad has no data. Give it @trainer({ data, … }), where data is { train, validation?, test? } or a function (async or not) returning it.",
  };
  assert.equal(withoutData.message, `ELEGY1012: ${TRAINER_MESSAGES.withoutData("Bad")}`, "the build's words");
  assert.throws(() => decorate({ epochs: 2 }), withoutData);
  assert.throws(() => decorate(undefined), withoutData);
  const data = { train: { x: [] } };
  assert.throws(() => decorate({ data, epoch: 2 }), {
    message: "@trainer of Bad has an unknown option 'epoch'. Did you mean 'epochs'? Options: data, epochs, batchSize, verbose, seed, backend, outDir, callbacks, modelOptions, afterTraining, sweep, trials, objective, mode, method, searchSeed.",
  });
  assert.throws(() => decorate({ data, epochs: 0 }), { message: "@trainer of Bad: epochs must be a positive integer, got 0." });
  assert.throws(() => decorate({ data, batchSize: "64" }), { message: "@trainer of Bad: batchSize must be a positive integer, got '64'." });
  assert.throws(() => decorate({ data, verbose: 3 }), { message: "@trainer of Bad: verbose must be 0, 1 or 2, got 3." });
  assert.throws(() => decorate({ data, backend: "gpu" }), { message: "@trainer of Bad: backend must be one of auto, cuda, native, wasm, cpu, got 'gpu'." });
  assert.throws(() => decorate({ data, callbacks: {} }), { message: "@trainer of Bad: callbacks must be an array of callbacks, got [object Object]." });
  assert.throws(() => decorate({ data, afterTraining: "x" }), { message: "@trainer of Bad: afterTraining must be a function, got 'x'." });
});

test("The run-time twins of ELEGY1010, 1014 and 1015 carry their code and the build's words", () => {
  const data = { train: { x: [] } };
  // A class that is not a Model still decorates (plain JS cannot be stopped earlier), but the trainer refuses it.
  const NotAModel = trainer({ data } as TrainerOptions)(class NotAModel {});
  const notAModel =
    'ELEGY1010: @trainer on NotAModel needs a model class, but NotAModel does not extend Model from "elegy-ts". Declare it as `class NotAModel extends Model` (or extend a subclass of Model).';
  assert.equal(notAModel, `ELEGY1010: ${TRAINER_MESSAGES.notAModel("NotAModel")}`);
  assert.throws(() => trainerClasses({ NotAModel }), { name: "ElegyDefinitionError", code: "ELEGY1010", message: notAModel });

  // Twice: the second decorator (the outer one, applied last) finds the first one's options.
  const Once = trainer({ data } as TrainerOptions)(class Twice extends Model {});
  const twice = "ELEGY1014: @trainer is applied to Twice more than once. Keep one @trainer per class.";
  assert.equal(twice, `ELEGY1014: ${TRAINER_MESSAGES.twice("Twice")}`);
  assert.throws(() => trainer({ data } as TrainerOptions)(Once), { name: "ElegyDefinitionError", code: "ELEGY1014", message: twice });
  // A subclass of a @trainer class is a class of its own: it may carry @trainer too.
  assert.doesNotThrow(() => trainer({ data } as TrainerOptions)(class Sub extends Once {}));

  // Nameless: nothing the trainer or its --model flag could call it by.
  const anonymous =
    "ELEGY1015: @trainer needs a named class: the trainer and its --model flag refer to the class by name. Name it, e.g. `export default class MyModel extends Model`.";
  assert.equal(anonymous, `ELEGY1015: ${TRAINER_MESSAGES.anonymous()}`);
  const decorateNameless = trainer({ data } as TrainerOptions);
  assert.throws(() => decorateNameless((() => class extends Model {})()), { name: "ElegyDefinitionError", code: "ELEGY1015", message: anonymous });
  // Standard decorators name the class in their context, as TypeScript emits it ("" for `[@trainer(…) class {}]`).
  const context = (name: string) => ({ kind: "class", name, metadata: {}, addInitializer() {} }) as ClassDecoratorContext;
  assert.throws(() => decorateNameless((() => class extends Model {})(), context("")), { code: "ELEGY1015", message: anonymous });
  assert.throws(() => decorateNameless(Once, context("Twice")), { code: "ELEGY1014", message: twice });
  // `export default class extends Model` is named "default" (standard) or "default_1" (legacy) at run time: only the build (ELEGY1015) sees it.
});
