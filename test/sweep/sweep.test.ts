// Sweeps as users run them (elegy-ts sweep and elegy-ts worker in child processes, each trial its
// own process). On one machine, two trials at a time: a trial killed with SIGKILL is marked failed
// and the sweep goes on; running it again re-runs only what did not finish; the table matches the
// trials' own histories; --best names the best trial; a --config sweep with a crashing trial.
// Through a real Redis with two workers: every trial runs once, a worker killed mid-trial has its
// trial finished by the other, and the table is the local sweep's.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { alive, assertTableMatchesHistories, project, readTrials, run, start, startRedis, waitUntil } from "./support";

/** The finished local sweep's folder, compared with the queue's results below. */
let localSweep: string | undefined;

test("local sweep: a killed trial fails alone, the others finish; a second run re-runs only it; the table matches the histories", async () => {
  const dir = project("sweep-local");
  const marker = path.join(dir, "parked");
  const sweep = start(["sweep", "tiny.ts", "--workers", "2"], dir, { ELEGY_TEST_PARK: marker });
  await waitUntil("a trial to park in its first batch", () => fs.existsSync(marker) && fs.readFileSync(marker, "utf8").includes(" "));
  const [trialPid] = fs.readFileSync(marker, "utf8").split(" ").map(Number);
  process.kill(trialPid, "SIGKILL");
  assert.equal(await sweep.exit, 0, sweep.stderr());
  const out = path.join(dir, "runs", "Tiny-sweep");

  const first = readTrials(out);
  assert.deepEqual(first.trials.map((t) => [t.id, t.values]), [
    ["trial-001", { hidden: 4, seed: 0 }],
    ["trial-002", { hidden: 4, seed: 1 }],
    ["trial-003", { hidden: 8, seed: 0 }],
    ["trial-004", { hidden: 8, seed: 1 }],
  ]);
  const killed = first.trials.filter((t) => t.status === "failed");
  assert.equal(killed.length, 1, "only the killed trial failed");
  assert.match(killed[0].error!, /^the trial process was killed by SIGKILL/);
  assert.equal(first.trials.filter((t) => t.status === "done").length, 3, "the sweep went on");
  assert.match(sweep.stdout(), new RegExp(`^${killed[0].id} {2}\\[.*\\] FAILED: `, "m"));
  assert.match(sweep.stdout(), /^3 of 4 trials done, 1 failed \(see trials\.csv; run again to retry them\)\. Best: trial-\d+, val_loss \d\.\d{4} — runs\/Tiny-sweep\/trial-\d+$/m);
  for (const t of first.trials) {
    assert.equal(sweep.stdout().split("\n").filter((line) => line.startsWith(`${t.id}  `) && / (done|FAILED): /.test(line)).length, 1, `${t.id} ended once`);
  }
  assertTableMatchesHistories(out, 2);
  const kept = Object.fromEntries(first.trials.filter((t) => t.status === "done").map((t) => [t.id, fs.readFileSync(path.join(out, t.id, "checkpoint", "checkpoint.safetensors")).toString("base64")]));

  // Run again: the finished trials are kept as they are, the killed one runs from the start.
  const again = await run(["sweep", "tiny.ts", "--workers", "2"], dir);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /^Sweep of Tiny: 4 trials \(grid\), 3 already done, 1 to run, 1 at a time → runs\/Tiny-sweep$/m);
  assert.deepEqual(again.stdout.split("\n").filter((line) => / done: /.test(line)).map((line) => line.split(" ")[0]), [killed[0].id]);
  for (const [id, manifest] of Object.entries(kept)) assert.equal(fs.readFileSync(path.join(out, id, "checkpoint", "checkpoint.safetensors")).toString("base64"), manifest, `${id} was not re-run`);
  const table = readTrials(out);
  assert.deepEqual(table.trials.map((t) => t.status), ["done", "done", "done", "done"]);
  assertTableMatchesHistories(out, 2);
  const best = [...table.trials].sort((a, b) => a.objective! - b.objective!)[0];
  assert.equal(table.best, best.id);
  const report = fs.readFileSync(path.join(out, "report.html"), "utf8");
  assert.match(report, /<svg/);
  assert.match(report, new RegExp(`<tr><td>1</td><td><a href="${best.id}/report.html">${best.id}</a></td>`), "the best trial ranks first, linked to its own report");
  assert.ok(fs.existsSync(path.join(out, best.id, "report.html")), "each trial is an ordinary run with its own report");

  const bestFlag = await run(["sweep", "tiny.ts", "--best"], dir);
  assert.deepEqual([bestFlag.status, bestFlag.stdout], [0, `runs/Tiny-sweep/${best.id}\n`]);
  assert.ok(!alive(trialPid));
  localSweep = out;
});

test("sweep --config: values from JSON reach the constructor; a crashing trial is marked failed with its error", async () => {
  const dir = project("sweep-config");
  fs.writeFileSync(path.join(dir, "crash.json"), JSON.stringify({ sweep: { hidden: [0, 4] }, objective: "val_sparse_categorical_accuracy" }));
  const result = await run(["sweep", "tiny.ts", "--config", "crash.json", "--workers", "2", "--epochs", "1", "--out-dir", "crash"], dir);
  assert.equal(result.status, 0, result.stderr);
  const table = readTrials(path.join(dir, "crash"));
  assert.equal(table.mode, "max", "an accuracy is maximized");
  const [crashed, fine] = table.trials;
  assert.deepEqual([crashed.values, crashed.status], [{ hidden: 0 }, "failed"]);
  assert.match(crashed.error!, /hidden must be a positive number of units, got 0/);
  assert.deepEqual([fine.values, fine.status, fine.epochs], [{ hidden: 4 }, "done", 1]);
  assert.equal(table.best, fine.id);
  // A different definition in the same folder is refused rather than mixed in.
  fs.writeFileSync(path.join(dir, "other.json"), JSON.stringify({ sweep: { hidden: [2] }, objective: "val_loss" }));
  const other = await run(["sweep", "tiny.ts", "--config", "other.json", "--out-dir", "crash"], dir);
  assert.deepEqual(
    [other.status, other.stderr],
    [
      1,
      "elegy-ts sweep: crash holds another sweep: its objective is val_sparse_categorical_accuracy (max), not val_loss (min); its trainer flags are --epochs 1, not none; " +
        "its trial-001 is hidden=0, not hidden=2. Give another --out-dir, or remove that folder to start over.\n",
    ],
  );
});

test("a larger --trials continues the sweep in its folder (the finished trials kept); fewer trials, or other flags, are refused naming what differs", async () => {
  const dir = project("sweep-extend");
  const out = path.join(dir, "ext");
  const sweep = (trials: string, epochs = "1") => run(["sweep", "tiny.ts", "--trials", trials, "--workers", "2", "--epochs", epochs, "--out-dir", "ext"], dir);
  const doneLines = (stdout: string) => stdout.split("\n").filter((line) => / done: /.test(line)).map((line) => line.split(" ")[0]);

  const first = await sweep("2");
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /^Sweep of Tiny: 2 trials \(grid\), 2 to run, 2 at a time → ext$/m);
  const kept = Object.fromEntries(["trial-001", "trial-002"].map((id) => [id, fs.readFileSync(path.join(out, id, "checkpoint", "checkpoint.safetensors")).toString("base64")]));

  const more = await sweep("4");
  assert.equal(more.status, 0, more.stderr);
  assert.match(more.stdout, /^Sweep of Tiny: 4 trials \(grid\), 2 already done, 2 to run, 2 at a time → ext$/m);
  assert.deepEqual(doneLines(more.stdout).sort(), ["trial-003", "trial-004"], "only the added trials ran");
  for (const [id, bytes] of Object.entries(kept)) assert.equal(fs.readFileSync(path.join(out, id, "checkpoint", "checkpoint.safetensors")).toString("base64"), bytes, `${id} was kept`);
  const table = readTrials(out);
  assert.deepEqual(table.trials.map((t) => [t.id, t.values, t.status]), [
    ["trial-001", { hidden: 4, seed: 0 }, "done"],
    ["trial-002", { hidden: 4, seed: 1 }, "done"],
    ["trial-003", { hidden: 8, seed: 0 }, "done"],
    ["trial-004", { hidden: 8, seed: 1 }, "done"],
  ]);
  assertTableMatchesHistories(out, 1);

  const again = await sweep("4");
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /^Sweep of Tiny: 4 trials \(grid\), 4 already done, none to run → ext$/m);
  assert.deepEqual(doneLines(again.stdout), []);

  const recorded = fs.readFileSync(path.join(out, "trials.json"), "utf8");
  const fewer = await sweep("3");
  assert.deepEqual(
    [fewer.status, fewer.stderr],
    [1, "elegy-ts sweep: ext holds 4 trials of this sweep, and this run plans 3: trial-004 would fall out of its table. Give --trials 4 or more to continue it, or another --out-dir.\n"],
  );
  const otherFlags = await sweep("6", "2");
  assert.deepEqual(
    [otherFlags.status, otherFlags.stderr],
    [1, "elegy-ts sweep: ext holds another sweep: its trainer flags are --epochs 1, not --epochs 2. Give another --out-dir, or remove that folder to start over.\n"],
  );
  assert.equal(fs.readFileSync(path.join(out, "trials.json"), "utf8"), recorded, "a refused run changes nothing");
});

test("queue sweep on a real Redis, two workers: a worker killed mid-trial has its trial finished by the other; each trial runs once; same table as locally", async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const dir = project("sweep-queue");
  const marker = path.join(dir, "parked");
  const queue = redis.url("tiny-sweep");
  // Short locks, so a dead worker's trial is handed on in seconds instead of BullMQ's 30.
  const workerArgs = ["worker", "--queue", queue, "--lock-duration", "2000", "--stalled-interval", "1000"];
  const workers = [start(workerArgs, dir, { ELEGY_TEST_PARK: marker }), start(workerArgs, dir, { ELEGY_TEST_PARK: marker })];
  try {
    await waitUntil("both workers to wait for trials", () => workers.every((w) => /waiting for trials/.test(w.stdout())), 60_000);
    const sweep = start(["sweep", "tiny.ts", "--queue", queue], dir);
    await waitUntil("a trial to park in its first batch", () => fs.existsSync(marker) && fs.readFileSync(marker, "utf8").includes(" "));
    const [trialPid, workerPid] = fs.readFileSync(marker, "utf8").split(" ").map(Number);
    const victim = workers.find((w) => w.child.pid === workerPid)!;
    const survivor = workers.find((w) => w !== victim)!;
    assert.ok(victim, "the parked trial runs under one of the workers");
    const parkedTrial = /^(trial-\d+) .* started/m.exec(victim.stdout().split("\n").filter((l) => / started /.test(l)).at(-1)!)![1];
    victim.child.kill("SIGKILL");
    assert.equal(await victim.exit, "SIGKILL");
    await waitUntil("the dead worker's trial process to end with it", () => !alive(trialPid), 20_000);

    assert.equal(await sweep.exit, 0, sweep.stderr());
    const out = path.join(dir, "runs", "Tiny-sweep");
    const table = readTrials(out);
    assert.deepEqual(table.trials.map((trial) => trial.status), ["done", "done", "done", "done"], "every trial finished, the killed one too");
    assertTableMatchesHistories(out, 2);
    const handedOn = table.trials.find((trial) => trial.id === parkedTrial)!;
    assert.equal(handedOn.worker?.split(":").at(-1), String(survivor.child.pid), "the other worker finished the dead worker's trial");
    assert.match(survivor.stdout(), new RegExp(`^${parkedTrial} .* started`, "m"));
    // Each trial finished exactly once over both workers, and the sweep recorded each once.
    const finished = [victim, survivor].flatMap((w) => w.stdout().split("\n").filter((line) => / finished$/.test(line)).map((line) => line.split(" ")[0]));
    assert.deepEqual(finished.sort(), ["trial-001", "trial-002", "trial-003", "trial-004"]);
    assert.deepEqual(sweep.stdout().split("\n").filter((line) => / done: /.test(line)).map((line) => line.split(" ")[0]).sort(), ["trial-001", "trial-002", "trial-003", "trial-004"]);

    // The same definition trained locally (the first test) gives the same table.
    if (localSweep) {
      const local = readTrials(localSweep);
      assert.deepEqual(
        table.trials.map((trial) => [trial.id, trial.values, trial.objective, trial.bestEpoch]),
        local.trials.map((trial) => [trial.id, trial.values, trial.objective, trial.bestEpoch]),
      );
      assert.equal(table.best, local.best);
    }
  } finally {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.exit));
    await redis.stop();
  }
});
