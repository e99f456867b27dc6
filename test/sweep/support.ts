// Helpers of the sweep tests: a user's project folder holding the tiny fixture (elegy-ts linked
// into its node_modules), elegy-ts commands as child processes, and a real Redis server.
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { BIN, ROOT, tempDir } from "../transformer/support";
import { readHistoryCsv } from "elegy-ts/trainer";

export { ROOT };

/** A project folder with tiny.ts in it. */
export function project(name: string): string {
  const dir = tempDir(name, true);
  fs.copyFileSync(path.join(ROOT, "test/fixtures/sweep/tiny.ts"), path.join(dir, "tiny.ts"));
  return dir;
}

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exit: Promise<number | string>;
}

/** Starts `elegy-ts <args>` in `cwd`. */
export function start(args: string[], cwd: string, env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ELEGY_TEST_PARK: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exit = new Promise<number | string>((resolve) => child.on("close", (code, signal) => resolve(signal ?? code!)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

export async function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const running = start(args, cwd, env);
  const status = await running.exit;
  return { status, stdout: running.stdout(), stderr: running.stderr() };
}

/** Waits (polling) until `check` holds, failing after `ms`. */
export async function waitUntil(what: string, check: () => boolean, ms = 180_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface TrialRow {
  id: string;
  status: string;
  values: Record<string, unknown>;
  objective?: number;
  bestEpoch?: number;
  epochs?: number;
  error?: string;
  worker?: string;
}

export function readTrials(dir: string): { objective: string; mode: string; best?: string; trials: TrialRow[] } {
  return JSON.parse(fs.readFileSync(path.join(dir, "trials.json"), "utf8"));
}

/** Every finished trial's row agrees with its own history.csv (best val_loss, its epoch, the epoch count), in trials.json and trials.csv. */
export function assertTableMatchesHistories(dir: string, epochs: number): void {
  const table = readTrials(dir);
  const csv = fs.readFileSync(path.join(dir, "trials.csv"), "utf8").trim().split("\n");
  assert.equal(csv[0], "trial,status,val_loss,best_epoch,epochs,seconds,hidden,seed,error");
  for (const trial of table.trials.filter((t) => t.status === "done")) {
    const history = readHistoryCsv(path.join(dir, trial.id, "history.csv"));
    assert.deepEqual(history.epoch, Array.from({ length: epochs }, (_, i) => i), `${trial.id} trained each epoch once`);
    const column = history.history.val_loss;
    const best = Math.min(...column);
    assert.equal(trial.objective, best, `${trial.id}: the objective is its history's best val_loss`);
    assert.equal(trial.bestEpoch, column.indexOf(best) + 1);
    assert.equal(trial.epochs, epochs);
    const row = csv.find((line) => line.startsWith(`${trial.id},`))!.split(",");
    assert.deepEqual([row[1], Number(row[2]), Number(row[3]), Number(row[4])], ["done", best, column.indexOf(best) + 1, epochs]);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, command)));
}

/**
 * A real Redis server on a free loopback port, started for the test and stopped after it. Without
 * redis-server: in CI the test fails loudly (CI installs it); elsewhere it is skipped, saying why.
 */
export async function startRedis(
  t: { skip(message: string): void },
  port?: number,
): Promise<{ url: (name: string) => string; stop: () => Promise<void> } | undefined> {
  if (!onPath("redis-server")) {
    const why = "redis-server is not installed (Debian: apt-get install redis-server); the queue tests need a real Redis";
    if (process.env.CI === "true" || process.env.CI === "1") assert.fail(`${why}. CI must install it (.ci/run does).`);
    t.skip(why);
    return undefined;
  }
  port ??= await freePort();
  const dir = tempDir("redis");
  const server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  server.stdout!.on("data", (chunk) => (log += chunk));
  const exited = new Promise<void>((resolve) => server.on("close", () => resolve()));
  await waitUntil(
    "redis-server to accept connections",
    () => {
      assert.equal(server.exitCode, null, `redis-server ended: ${log}`);
      return /Ready to accept connections/.test(log);
    },
    20_000,
  );
  return {
    url: (name) => `redis://127.0.0.1:${port}/${name}`,
    stop: async () => {
      server.kill("SIGTERM");
      await exited;
    },
  };
}
