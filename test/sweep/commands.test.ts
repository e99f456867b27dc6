// The sweep and worker commands' help and refusals, as users meet them: main help lists them,
// --queue without the optional bullmq/ioredis says how to install them, bad addresses and flags
// are named, --best before any trial finished says so, and a worker started before its Redis
// says so once and waits.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { BIN, tempDir } from "../transformer/support";
import { freePort, project, start, startRedis, waitUntil } from "./support";

function elegy(args: string[], options: { cwd?: string; preload?: string } = {}) {
  const result = spawnSync(process.execPath, [...(options.preload ? ["--require", options.preload] : []), BIN, ...args], { cwd: options.cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("elegy-ts --help lists sweep and worker; each has its help", () => {
  const main = elegy(["--help"]);
  assert.match(main.stdout, /^ {2}sweep {3}run a hyperparameter sweep's trials, here or through a Redis queue$/m);
  assert.match(main.stdout, /^ {2}worker {2}run the trials of sweeps queued with sweep --queue, on any machine$/m);
  const sweep = elegy(["sweep", "--help"]);
  assert.equal(sweep.status, 0);
  for (const flag of ["--config FILE", "--trials N", "--workers N", "--out-dir DIR", "--queue URL", "--best"]) assert.ok(sweep.stdout.includes(`  ${flag} `), flag);
  const worker = elegy(["worker", "--help"]);
  assert.equal(worker.status, 0);
  for (const flag of ["--queue URL", "--concurrency N", "--runs-dir DIR", "--lock-duration MS", "--stalled-interval MS"]) assert.ok(worker.stdout.includes(`  ${flag} `), flag);
});

test("--queue without bullmq/ioredis installed says how to install them; bad addresses are named", () => {
  // A preload that hides the optional packages, as on an install without them.
  const preload = path.join(tempDir("no-bullmq"), "hide.js");
  fs.writeFileSync(
    preload,
    `const Module = require("node:module"); const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "bullmq" || request === "ioredis") { const e = new Error("Cannot find module '" + request + "'"); e.code = "MODULE_NOT_FOUND"; throw e; }
  return resolve.call(this, request, ...rest);
};`,
  );
  const missing = elegy(["worker", "--queue", "redis://127.0.0.1:1/x"], { preload });
  assert.deepEqual(
    [missing.status, missing.stderr],
    [
      1,
      "--queue needs the optional packages bullmq and ioredis, which are not installed here. " +
        "Install them beside elegy-ts with: npm install bullmq@6.7.6 ioredis@5.8.2 (or run the sweep without --queue, on this machine).\n",
    ],
  );
  const http = elegy(["worker", "--queue", "http://localhost:6379/x"]);
  assert.deepEqual([http.status, http.stderr], [1, "--queue must be a redis:// (or rediss://) address like redis://localhost:6379/my-sweep, got 'http://localhost:6379/x'.\n"]);
  const none = elegy(["worker"]);
  assert.deepEqual([none.status, none.stderr], [1, "elegy-ts worker needs --queue redis://host:port/name: the queue an elegy-ts sweep … --queue puts its trials on.\n"]);
});

test("sweep --queue with no Redis listening fails at once, naming the address, the cause and the fix, and makes no folder", async () => {
  const dir = project("sweep-no-redis");
  // A loopback port nothing listens on: taken, then released.
  const port = await new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
  const url = `redis://127.0.0.1:${port}/x`;
  // The sweep used to wait forever here; the timeout turns a hang into a failure (status null).
  const result = spawnSync(process.execPath, [BIN, "sweep", "tiny.ts", "--trials", "2", "--queue", url, "--out-dir", "runs/q"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
  assert.deepEqual(
    [result.status, result.stdout, result.stderr],
    [
      1,
      "",
      `elegy-ts sweep: cannot reach the queue's Redis at ${url}: connection refused (no Redis server listens there). ` +
        `Start a Redis server there (e.g. redis-server --port ${port} --daemonize yes), or check the --queue address.\n`,
    ],
  );
  // Nothing half-made: no sweep folder that a retry would have to match.
  assert.equal(fs.existsSync(path.join(dir, "runs")), false);
});

test("sweep: bad flags, a class without a sweep, and --best before any trial finished", () => {
  const dir = project("sweep-commands");
  const typo = elegy(["sweep", "tiny.ts", "--worker", "2"], { cwd: dir });
  assert.equal(typo.stderr, "elegy-ts sweep: unknown flag '--worker'. Did you mean '--workers'? Flags: --model, --config, --trials, --workers, --out-dir, --queue, --epochs, --batch-size, --backend, --best, --help.\n");
  assert.equal(elegy(["sweep", "tiny.ts", "--workers", "0"], { cwd: dir }).stderr, "elegy-ts sweep: --workers must be a positive integer, got '0'.\n");
  fs.writeFileSync(
    path.join(dir, "plain.ts"),
    'import { Model, tf, trainer } from "elegy-ts";\n@trainer({ data: () => ({ train: { x: tf.zeros([1, 1]) } }) })\nexport class Plain extends Model {}\n',
  );
  const plain = elegy(["sweep", "plain.ts"], { cwd: dir });
  assert.deepEqual(
    [plain.status, plain.stderr],
    [
      1,
      'elegy-ts sweep: Plain has no sweep. Add one to its @trainer, e.g. sweep: { learningRate: { logUniform: [1e-4, 1e-2] } }, objective: "val_loss", ' +
        'or give --config sweep.json holding { "sweep": { … }, "objective": "val_loss" }.\n',
    ],
  );
  const best = elegy(["sweep", "tiny.ts", "--best"], { cwd: dir });
  assert.deepEqual([best.status, best.stderr], [1, "elegy-ts sweep --best: runs/Tiny-sweep holds no sweep (no trials.json). Run the sweep first, or give its --out-dir.\n"]);
});

test("worker --queue with no Redis listening waits for it: the error once (address, cause, fix), one waiting line, then 'connected' when Redis comes", async (t) => {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}/x`;
  const worker = start(["worker", "--queue", url, "--runs-dir", "runs"], tempDir("worker-wait", true));
  const waiting =
    `elegy-ts worker: cannot reach the queue's Redis at ${url}: connection refused (no Redis server listens there). ` +
    `Start a Redis server there (e.g. redis-server --port ${port} --daemonize yes), or check the --queue address.\n` +
    `elegy-ts worker: still waiting for Redis at ${url} (retrying every 2 s); Ctrl-C stops.\n`;
  try {
    await waitUntil("the waiting line", () => worker.stderr().includes("still waiting"), 60_000);
    // Several retries (one every 2 s) go by without another word; the old worker printed the error at each.
    await new Promise((resolve) => setTimeout(resolve, 7000));
    assert.equal(worker.stderr(), waiting);
    assert.equal(worker.stdout(), "");
    const redis = await startRedis(t, port);
    if (redis === undefined) return;
    try {
      await waitUntil("the worker to connect", () => worker.stdout().includes("waiting for trials"), 60_000);
      assert.equal(worker.stderr(), `${waiting}elegy-ts worker: connected to Redis at ${url}.\n`);
      assert.match(worker.stdout(), new RegExp(`^elegy-ts worker \\S+ on ${url.replace(/[./]/g, "\\$&")}: waiting for trials \\(1 at a time; Ctrl-C stops\\)\\n$`));
      worker.child.kill("SIGINT");
      assert.equal(await worker.exit, 0);
    } finally {
      await redis.stop();
    }
  } finally {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGKILL");
    await worker.exit;
  }
});
