// The out-dir as one run: a second run there is refused unless --resume or --overwrite; an
// --overwrite run killed (SIGKILL, real child processes) in its first epoch leaves the old run
// whole — history.csv and checkpoint agree — and a later --resume continues that old run; a
// finished --overwrite run replaces it; a swap cut between its two renames is finished on the
// next start.
import test from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { build } from "elegy-ts/transformer";
import { stagingDirOf, recoverRunFolder, OUT_DIR_HOLDS_RUN } from "elegy-ts/trainer";
import { tmpDir } from "../support/models";

const ROOT = path.resolve(__dirname, "../../..");

let trainerFile: string | undefined;
function parkableTrainer(): string {
  if (trainerFile) return trainerFile;
  const out = path.join(ROOT, "dist", "fixture-out", `parkable-${process.pid}`);
  const result = build({ files: [path.join(ROOT, "test/fixtures/trainer/parkable.ts")], outDir: out, cwd: ROOT });
  assert.deepEqual(result.diagnostics, []);
  trainerFile = path.join(out, "parkable.trainer.js");
  return trainerFile;
}

function run(args: string[]) {
  const result = spawnSync(process.execPath, [parkableTrainer(), ...args], { encoding: "utf8", env: { ...process.env, ELEGY_TEST_PARK: "" } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts a run that parks in its first batch and waits until it is there; `kill` ends it with SIGKILL. */
async function parkInFirstEpoch(args: string[]): Promise<{ pid: number; kill: () => Promise<void> }> {
  const marker = path.join(tmpDir("park-marker"), "parked");
  const child = spawn(process.execPath, [parkableTrainer(), ...args], { env: { ...process.env, ELEGY_TEST_PARK: marker }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  const deadline = Date.now() + 120_000;
  while (!fs.existsSync(marker)) {
    assert.equal(child.exitCode, null, `the run ended before it parked: ${stderr}`);
    assert.ok(Date.now() < deadline, "the run never reached its first batch");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    pid: child.pid!,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      assert.equal(await exited, "SIGKILL");
    },
  };
}

/** Starts a run that parks in its first batch, waits until it is there, and kills it with SIGKILL. */
async function killInFirstEpoch(args: string[]): Promise<number> {
  const parked = await parkInFirstEpoch(args);
  await parked.kill();
  return parked.pid;
}

const read = (file: string) => fs.readFileSync(file, "utf8");
/** The lock file a run takes: beside its out-dir, as `.<name>.lock`. */
const lockFileOf = (outDir: string) => path.join(path.dirname(outDir), `.${path.basename(outDir)}.lock`);
const epochsOf = (dir: string) => read(path.join(dir, "history.csv")).trim().split("\n").slice(1).map((row) => row.split(",")[0]);

test("train refuses an out-dir holding a run unless --resume or --overwrite, in words naming both", () => {
  const outDir = tmpDir("run-refused");
  assert.equal(run(["--out-dir", outDir, "--epochs", "1", "--verbose", "0"]).status, 0);
  const again = run(["--out-dir", outDir, "--epochs", "1", "--verbose", "0"]);
  assert.equal(again.status, 1);
  assert.equal(
    again.stderr,
    `--out-dir ${outDir} already holds a run (checkpoint/, history.csv, report.html). ` +
      "Give --resume to continue it, or --overwrite to replace it (the old run stays until the new one's first checkpoint), or choose another --out-dir.\n",
  );
  assert.equal(again.stderr, `${OUT_DIR_HOLDS_RUN(outDir, ["checkpoint/", "history.csv", "report.html"])}\n`);
  const both = run(["--out-dir", outDir, "--resume", "--overwrite"]);
  assert.deepEqual([both.status, both.stderr], [1, `--resume and --overwrite exclude each other: --resume continues the run in ${outDir}, --overwrite replaces it. Give one.\n`]);
  // One file of a run is enough to refuse (a run killed before its first checkpoint left only history.csv).
  const partial = tmpDir("run-partial");
  fs.writeFileSync(path.join(partial, "history.csv"), "epoch,loss\n");
  assert.equal(run(["--out-dir", partial, "--verbose", "0"]).stderr, `${OUT_DIR_HOLDS_RUN(partial, ["history.csv"])}\n`);
  // A folder with other files only holds no run.
  const other = tmpDir("run-other");
  fs.writeFileSync(path.join(other, "notes.txt"), "mine");
  assert.equal(run(["--out-dir", other, "--verbose", "0"]).status, 0);
  assert.equal(read(path.join(other, "notes.txt")), "mine");
});

test("an --overwrite run killed in its first epoch leaves the old run whole; --resume continues it; a finished --overwrite replaces it", async () => {
  const outDir = tmpDir("run-overwrite");
  const first = run(["--out-dir", outDir, "--epochs", "3", "--verbose", "0"]);
  assert.equal(first.status, 0, first.stderr);
  const history = read(path.join(outDir, "history.csv"));
  const savedCheckpoint = fs.readFileSync(path.join(outDir, "checkpoint", "checkpoint.safetensors")).toString("base64");
  assert.deepEqual(epochsOf(outDir), ["0", "1", "2"]);

  const killed = await killInFirstEpoch(["--out-dir", outDir, "--epochs", "2", "--overwrite", "--verbose", "0"]);
  assert.equal(read(path.join(outDir, "history.csv")), history, "the old history is untouched");
  assert.equal(fs.readFileSync(path.join(outDir, "checkpoint", "checkpoint.safetensors")).toString("base64"), savedCheckpoint, "the old checkpoint is untouched");
  assert.ok(fs.existsSync(stagingDirOf(outDir)), "the new run was written aside");

  const resumed = run(["--out-dir", outDir, "--epochs", "4", "--resume", "--verbose", "2"]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.deepEqual(resumed.stdout.split("\n").slice(0, 2), [
    `Took over ${lockFileOf(outDir)}: the run that held it (pid ${killed}) is gone.`,
    `Removed ${stagingDirOf(outDir)}: an --overwrite run stopped before its first checkpoint; the run in ${outDir} is unchanged.`,
  ]);
  assert.match(resumed.stdout, /^Resuming Parkable \(parkable\.ts\): epochs 4-4 of 4/m);
  assert.deepEqual(epochsOf(outDir), ["0", "1", "2", "3"], "the old run's three epochs and one more");
  assert.ok(read(path.join(outDir, "history.csv")).startsWith(history), "its first three rows are the old run's");
  assert.ok(!fs.existsSync(stagingDirOf(outDir)));

  fs.writeFileSync(path.join(outDir, "old-sample.txt"), "of the old run");
  const replaced = run(["--out-dir", outDir, "--epochs", "2", "--overwrite", "--verbose", "2"]);
  assert.equal(replaced.status, 0, replaced.stderr);
  assert.match(replaced.stdout, /→ .* \(replacing the run there at this run's first checkpoint\)$/m);
  assert.deepEqual(epochsOf(outDir), ["0", "1"], "the new run's own history");
  assert.deepEqual(fs.readdirSync(outDir).sort(), ["checkpoint", "history.csv", "report.html"], "the whole old run is gone");
  assert.match(read(path.join(outDir, "report.html")), /<dt>epochs<\/dt><dd>2<\/dd>/);
  const leftovers = fs.readdirSync(path.dirname(outDir)).filter((name) => name.startsWith(`.${path.basename(outDir)}.`));
  assert.deepEqual(leftovers, [], "nothing left aside");
  const resumedAgain = run(["--out-dir", outDir, "--epochs", "3", "--resume", "--verbose", "0"]);
  assert.equal(resumedAgain.status, 0, resumedAgain.stderr);
  assert.deepEqual(epochsOf(outDir), ["0", "1", "2"]);
});

test("one run per out-dir at a time: a second --overwrite run is refused while the first runs, naming its lock file and pid; the lock is taken over once that process is gone", async (t) => {
  const outDir = tmpDir("run-locked");
  const lock = lockFileOf(outDir);
  assert.equal(run(["--out-dir", outDir, "--epochs", "1", "--verbose", "0"]).status, 0);
  assert.ok(!fs.existsSync(lock), "a finished run removes its lock");

  const first = await parkInFirstEpoch(["--out-dir", outDir, "--epochs", "2", "--overwrite", "--verbose", "0"]);
  t.after(() => first.kill()); // a failed assertion must not leave it parked
  const second = run(["--out-dir", outDir, "--epochs", "1", "--overwrite", "--verbose", "0"]);
  assert.deepEqual(
    [second.status, second.stderr],
    [
      1,
      `--out-dir ${outDir} is in use by another run (pid ${first.pid}), which holds its lock file ${lock}. ` +
        "Wait for that run to end, or give another --out-dir. If no run is using the folder, remove the lock file.\n",
    ],
  );
  assert.ok(fs.existsSync(stagingDirOf(outDir)), "the first run's staging folder is left alone");
  assert.equal(JSON.parse(read(lock)).pid, first.pid);
  const resume = run(["--out-dir", outDir, "--epochs", "3", "--resume", "--verbose", "0"]);
  assert.equal(resume.status, 1, "--resume waits its turn too");

  await first.kill();
  const after = run(["--out-dir", outDir, "--epochs", "1", "--overwrite", "--verbose", "2"]);
  assert.equal(after.status, 0, after.stderr);
  assert.equal(after.stdout.split("\n")[0], `Took over ${lock}: the run that held it (pid ${first.pid}) is gone.`);
  assert.ok(!fs.existsSync(lock), "released at the end");
  assert.deepEqual(epochsOf(outDir), ["0"]);
});

test("a swap cut between its two renames is finished on the next start", () => {
  const outDir = path.join(tmpDir("run-swap"), "run");
  const staging = stagingDirOf(outDir);
  const replaced = path.join(path.dirname(outDir), ".run.replaced");
  // Killed after the old run was moved away, before the new one took its name.
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(path.join(staging, "history.csv"), "epoch,loss\n0,1\n");
  fs.mkdirSync(replaced);
  fs.writeFileSync(path.join(replaced, "history.csv"), "old");
  assert.equal(recoverRunFolder(outDir), `Finished replacing the run in ${outDir} (an --overwrite was stopped while swapping it in).`);
  assert.equal(read(path.join(outDir, "history.csv")), "epoch,loss\n0,1\n");
  assert.deepEqual([fs.existsSync(staging), fs.existsSync(replaced)], [false, false]);
  // Killed after both renames, before the old run was deleted.
  fs.mkdirSync(replaced);
  assert.equal(recoverRunFolder(outDir), `Finished replacing the run in ${outDir} (an --overwrite was stopped while swapping it in).`);
  assert.equal(read(path.join(outDir, "history.csv")), "epoch,loss\n0,1\n");
  assert.equal(recoverRunFolder(outDir), undefined, "nothing to do");
});
