// SIGKILL a process at random moments while it writes checkpoints: the folder must always
// load as one complete checkpoint — the last one reported finished, or the one after it.
import test from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as path from "node:path";
import { loadCheckpoint, tf } from "elegy-ts";

import { tmpDir } from "../support/models";

const CHILD = path.join(__dirname, "crash-child.js");
const TRIALS = 20;

function runAndKill(dir: string, first: number, killAfterMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(first)], { stdio: ["ignore", "pipe", "pipe"] });
    let lastSaved = first - 1;
    let errors = "";
    let started = false;
    child.stdout.on("data", (chunk: Buffer) => {
      for (const match of chunk.toString().matchAll(/saved (\d+)/g)) lastSaved = Number(match[1]);
      if (!started) {
        started = true;
        setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(lastSaved);
      else reject(new Error(`child exited with ${code}: ${errors}`));
    });
  });
}

test(`crash safety: ${TRIALS} SIGKILLs at random points during saves leave a loadable checkpoint`, { timeout: 180_000 }, async () => {
  await tf.setBackend("cpu");
  const dir = tmpDir("crash");
  let next = 0;
  let survived = 0;
  // Deterministic "random" kill times so a failure can be replayed.
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let trial = 0; trial < TRIALS; trial++) {
    const lastSaved = await runAndKill(dir, next, Math.floor(random() * 60));
    const checkpoint = await loadCheckpoint(dir);
    const k = checkpoint.epoch;
    assert.ok(k === lastSaved || k === lastSaved + 1, `trial ${trial}: loaded save ${k}, last reported ${lastSaved}`);
    const params = checkpoint.states.netParams as Record<string, tf.Tensor>;
    for (const t of [params.big, params.small, (checkpoint.states.optimizerStates as Record<string, tf.Tensor>).step]) {
      const values = t.dataSync();
      assert.ok(values.every((v) => v === k), `trial ${trial}: every value of save ${k} is ${k}`);
    }
    assert.equal(checkpoint.states.rng.seed, k);
    tf.dispose([...checkpoint.states.tensors()]);
    survived++;
    next = k + 1;
  }
  assert.equal(survived, TRIALS);
});
