// Ctrl-C (SIGINT) and SIGTERM on `elegy-ts train`, with real processes: the first signal stops the
// fit at the end of the batch, saves the checkpoint and report, releases the lock, says where it
// stopped and the command that resumes it, and exits 130/143; that command continues the run. A
// second signal quits at once saying nothing more was saved. An --overwrite run stopped before its
// first checkpoint leaves the run it was to replace untouched. The fixture holds the run at known
// points (test/fixtures/trainer/interruptible.ts) so the signals land there.
import test from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { build } from "elegy-ts/transformer";
import { tmpDir } from "../support/models";

const ROOT = path.resolve(__dirname, "../../..");
const BIN = "bin/elegy-ts.js";

let builtFile: string | undefined;
/** The fixture built once, as a path relative to ROOT (how a user would type it). */
function fixture(): string {
  if (builtFile) return builtFile;
  const out = path.join(ROOT, "dist", "fixture-out", `interruptible-${process.pid}`);
  const result = build({ files: [path.join(ROOT, "test/fixtures/trainer/interruptible.ts")], outDir: out, cwd: ROOT });
  assert.deepEqual(result.diagnostics, []);
  builtFile = path.relative(ROOT, path.join(out, "interruptible.js"));
  return builtFile;
}

const lockFileOf = (outDir: string) => path.join(path.dirname(outDir), `.${path.basename(outDir)}.lock`);
const read = (file: string) => fs.readFileSync(file, "utf8");
const epochsOf = (dir: string) => read(path.join(dir, "history.csv")).trim().split("\n").slice(1).map((row) => row.split(",")[0]);

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [BIN, "train", fixture(), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function until(run: Running, what: string, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!ready()) {
    assert.equal(run.child.exitCode, null, `the run ended before ${what}:\n${run.stdout()}\n${run.stderr()}`);
    assert.ok(Date.now() < deadline, `the run never reached ${what}:\n${run.stdout()}\n${run.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const BACKEND = "elegy-ts: backend cpu (requested)\n";
const ACK = (words: string) =>
  `elegy-ts train: ${words}: stopping at the end of this batch, then saving the run so --resume can continue it. ${words} again quits at once, saving nothing more.\n`;

test("Ctrl-C stops at the end of the batch, saves checkpoint, history and report, frees the lock, exits 130, and its resume command continues the run", async () => {
  const outDir = tmpDir("interrupt-int");
  const hold = tmpDir("interrupt-hold");
  fs.writeFileSync(path.join(hold, "go-end"), "");
  const run = start(["--out-dir", outDir], { ELEGY_TEST_HOLD: hold });
  // Training has started: epoch 1's progress line is out, and the run is held after batch 5 of epoch 2.
  await until(run, "its first progress line", () => /^12\/12 - /m.test(run.stdout()));
  await until(run, "batch 5 of epoch 2", () => fs.existsSync(path.join(hold, "held-batch")));
  run.child.kill("SIGINT");
  await until(run, "the stop's first line", () => run.stderr().includes(ACK("Ctrl-C")));
  fs.writeFileSync(path.join(hold, "go-batch"), "");
  assert.deepEqual(await run.exited, { code: 130, signal: null });

  const resume = `node ${BIN} train ${fixture()} --out-dir ${outDir} --resume`;
  assert.equal(
    run.stderr(),
    BACKEND + ACK("Ctrl-C") +
      `elegy-ts train: stopped by Ctrl-C in epoch 2 of 3, after batch 5 of 12. ` +
      `Saved ${outDir}/checkpoint/ (1 epoch done, and the weights after those 5 batches: --resume trains epoch 2 again in full), ` +
      `${outDir}/history.csv and ${outDir}/report.html. Resume with: ${resume}\n`,
  );
  assert.doesNotMatch(run.stdout(), /^\{/m, "a stopped run prints no final logs line");
  assert.equal(fs.existsSync(lockFileOf(outDir)), false, "the lock file is released");
  assert.ok(fs.existsSync(path.join(outDir, "checkpoint", "checkpoint.safetensors")));
  assert.deepEqual(epochsOf(outDir), ["0"], "history.csv holds the completed epoch only");
  assert.match(read(path.join(outDir, "report.html")), /<dt>stopped<\/dt><dd>by Ctrl-C in epoch 2 of 3, after batch 5 of 12<\/dd>/);

  // The printed command, run as printed, continues from the checkpoint: epoch 2 again, then 3.
  const [program, ...args] = resume.split(" ");
  assert.equal(program, "node");
  const resumed = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /^Resuming Interruptible \(interruptible\.ts\): epochs 2-3 of 3, batch size 4, backend cpu, random state from the checkpoint/m);
  assert.deepEqual(epochsOf(outDir), ["0", "1", "2"]);
  assert.equal(fs.existsSync(lockFileOf(outDir)), false);
});

test("a second SIGTERM quits at once: exit 143, nothing more saved, the lock released, the last checkpoint kept and named", async () => {
  const outDir = tmpDir("interrupt-term");
  const hold = tmpDir("interrupt-hold");
  const run = start(["--out-dir", outDir, "--verbose", "0"], { ELEGY_TEST_HOLD: hold });
  await until(run, "batch 5 of epoch 2", () => fs.existsSync(path.join(hold, "held-batch")));
  run.child.kill("SIGTERM");
  await until(run, "the stop's first line", () => run.stderr().includes(ACK("SIGTERM")));
  fs.writeFileSync(path.join(hold, "go-batch"), "");
  // Held again as the fit ends, before anything of the stop is saved: the second signal lands there.
  await until(run, "the end of the fit", () => fs.existsSync(path.join(hold, "held-end")));
  run.child.kill("SIGTERM");
  assert.deepEqual(await run.exited, { code: 143, signal: null });
  assert.equal(
    run.stderr(),
    BACKEND + ACK("SIGTERM") +
      `elegy-ts train: quit at once on a second SIGTERM: nothing more was saved. ` +
      `Resume from the last checkpoint saved, ${outDir}/checkpoint/, with: node ${BIN} train ${fixture()} --out-dir ${outDir} --verbose 0 --resume\n`,
  );
  assert.equal(fs.existsSync(lockFileOf(outDir)), false, "the lock file is released");
  assert.deepEqual(epochsOf(outDir), ["0"]);
  assert.ok(fs.existsSync(path.join(outDir, "checkpoint", "checkpoint.safetensors")), "epoch 1's checkpoint is kept");
  assert.equal(fs.existsSync(path.join(outDir, "report.html")), false, "no report was written after the second signal");
});

test("Ctrl-C on an --overwrite run before its first checkpoint keeps the run it was to replace, whole", async () => {
  const outDir = tmpDir("interrupt-overwrite");
  const first = spawnSync(process.execPath, [BIN, "train", fixture(), "--out-dir", outDir, "--epochs", "1", "--verbose", "0"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(first.status, 0, first.stderr);
  const before = Object.fromEntries(["history.csv", "report.html", "checkpoint/checkpoint.safetensors"].map((f) => [f, read(path.join(outDir, f))]));
  const hold = tmpDir("interrupt-hold");
  fs.writeFileSync(path.join(hold, "go-end"), "");
  const run = start(["--out-dir", outDir, "--overwrite", "--seed", "7", "--verbose", "0"], { ELEGY_TEST_HOLD: hold, ELEGY_TEST_HOLD_EPOCH: "1" });
  await until(run, "batch 5 of epoch 1", () => fs.existsSync(path.join(hold, "held-batch")));
  run.child.kill("SIGINT");
  await until(run, "the stop's first line", () => run.stderr().includes(ACK("Ctrl-C")));
  fs.writeFileSync(path.join(hold, "go-batch"), "");
  assert.deepEqual(await run.exited, { code: 130, signal: null });
  assert.equal(
    run.stderr(),
    BACKEND + ACK("Ctrl-C") +
      `elegy-ts train: stopped by Ctrl-C in epoch 1 of 3, after batch 5 of 12, before this --overwrite run's first checkpoint: ` +
      `nothing was saved, and the run in ${outDir} is unchanged. ` +
      `Start it again with: node ${BIN} train ${fixture()} --out-dir ${outDir} --overwrite --seed 7 --verbose 0\n`,
  );
  for (const [file, text] of Object.entries(before)) assert.equal(read(path.join(outDir, file)), text, `${file} is unchanged`);
  assert.equal(fs.existsSync(path.join(path.dirname(outDir), `.${path.basename(outDir)}.overwrite`)), false, "the replacing run's folder is gone");
  assert.equal(fs.existsSync(lockFileOf(outDir)), false);
});
