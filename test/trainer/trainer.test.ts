import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { build } from "elegy-ts/transformer";
import { runTrainer } from "elegy-ts/trainer";

const ROOT = path.resolve(__dirname, "../../..");

function compiledFixture(): Record<string, unknown> {
  const out = path.join(ROOT, "dist", "fixture-out", `trainer-${process.pid}`);
  const result = build({ files: [path.join(ROOT, "test/fixtures/trainer/regression.ts")], outDir: out, cwd: ROOT });
  assert.deepEqual(result.diagnostics, []);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(out, "regression.js"));
}

async function train(argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runTrainer(compiledFixture(), argv, "regression.ts", (l) => void lines.push(l));
  return { code, lines };
}

test("trainer: fits, evaluates on test, leaves history.csv, checkpoint and report, prints JSON last", async () => {
  const outDir = path.join(ROOT, "dist", "fixture-out", `trainer-run-${process.pid}`);
  fs.rmSync(outDir, { recursive: true, force: true });
  const { code, lines } = await train(["--epochs", "2", "--out-dir", outDir, "--verbose", "0", "--backend", "cpu"]);
  assert.equal(code, 0);
  const final = JSON.parse(lines.at(-1)!) as Record<string, number>;
  assert.deepEqual(Object.keys(final), ["loss"]);
  const csv = fs.readFileSync(path.join(outDir, "history.csv"), "utf8").trim().split("\n");
  assert.equal(csv[0], "epoch,loss,lr,val_loss");
  assert.equal(csv.length, 3);
  assert.ok(fs.existsSync(path.join(outDir, "checkpoint", "checkpoint.json")));
  assert.match(fs.readFileSync(path.join(outDir, "report.html"), "utf8"), /<svg/);
  const resumed = await train(["--epochs", "4", "--out-dir", outDir, "--verbose", "0", "--backend", "cpu", "--resume"]);
  assert.equal(resumed.code, 0);
  const rows = fs.readFileSync(path.join(outDir, "history.csv"), "utf8").trim().split("\n");
  assert.deepEqual(rows.map((r) => r.split(",")[0]), ["epoch", "0", "1", "2", "3"], "resumed at epoch 2, appended to the history");
  assert.ok(JSON.parse(resumed.lines.at(-1)!).loss < final.loss, "two more epochs lowered the test loss");
});

test("trainer: --help shows each flag with the decorator's defaults; --model picks a class", async () => {
  const help = await train(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.lines[0], /--epochs N\s+epochs to train \(default 3\)/);
  assert.match(help.lines[0], /--batch-size N\s+examples per batch \(default 16\)/);
  assert.match(help.lines[0], /--model NAME\s+the class to train \(Regression, Other; default Regression\)/);
  const other = await train(["--model", "Other", "--help"]);
  assert.match(other.lines[0], /\(default 1\)/);
});

test("trainer: unknown flags and bad values are refused with the valid ones listed", async () => {
  await assert.rejects(train(["--epoch", "3"]), { message: /^Unknown flag '--epoch'\. Did you mean '--epochs'\? Valid flags: --model, --epochs, --batch-size, --backend, --out-dir, --verbose, --seed, --resume, --help\.$/ });
  await assert.rejects(train(["--epochs", "zero"]), { message: "--epochs must be a positive integer, got 'zero'." });
  await assert.rejects(train(["--backend", "tpu"]), { message: "--backend must be one of auto, cuda, native, wasm, cpu, got 'tpu'." });
  await assert.rejects(train(["--model", "Nope"]), { message: "regression.ts has no @trainer class 'Nope'. Choose --model Regression | Other." });
  await assert.rejects(train(["--resume", "--out-dir", path.join(ROOT, "dist", "fixture-out", "empty-run")]), { message: /--resume: there is no checkpoint in .* to continue from/ });
});
