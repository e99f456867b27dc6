// Issues 15.2 and 14.8: the backend starts once per process behind one shared promise. Each
// case runs in a fresh process (start-child.ts), since a backend can start only once per process:
// two models whose first fit (or ready()) run at once, on wasm and on auto; tensors made with
// elegy-ts's tf before the choice; and no tfjs "Hi, looks like…" advert on stdout or stderr.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { backends } from "elegy-ts";

const CHILD = path.join(__dirname, "start-child.js");
// What the line says of elegy-ts's C++ kernels on wasm depends on the machine (its ISA, its cores, a compiler at install).
const status = backends.nativeKernelStatus();
const KERNELS = status.loaded ? `, with its C++ kernels (${status.isa}, ${status.threads} thread${status.threads === 1 ? "" : "s"})` : `, without its C++ kernels (${status.detail})`;
const AUTO_LINE = `elegy-ts: backend wasm (auto; cuda skipped: @tensorflow/tfjs-node-gpu is not installed; native skipped: @tensorflow/tfjs-node is not installed)${KERNELS}`;
const WASM_LINE = `elegy-ts: backend wasm (requested)${KERNELS}`;

function run(scenario: string, backend: string, extraEnv: Record<string, string> = {}): { out: Record<string, unknown>; stdout: string; stderr: string } {
  const env = { ...process.env, ...extraEnv };
  delete env.ELEGY_BACKEND;
  const child = spawnSync(process.execPath, [CHILD, scenario, backend], { env, encoding: "utf8", timeout: 120_000 });
  const lines = child.stdout.trim().split("\n");
  const out = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
  assert.equal(out.error, undefined, `${scenario} on ${backend}: ${out.error}\n${child.stderr}`);
  assert.equal(child.status, 0);
  return { out, stdout: child.stdout, stderr: child.stderr };
}

function assertNoAdvert(result: { stdout: string; stderr: string }): void {
  for (const text of [result.stdout, result.stderr]) assert.doesNotMatch(text, /Hi, looks like you are running TensorFlow\.js/);
}

for (const scenario of ["two-fits", "two-readies"]) {
  test(`${scenario}: two models starting at once on wasm both train, on wasm, with one choice line`, () => {
    const result = run(scenario, "wasm");
    assert.equal(result.out.backend, "wasm");
    assert.equal(result.out.same, true, "the two models (same seed, same data) trained alike");
    assert.equal(result.stderr, `${WASM_LINE}\n`);
    assertNoAdvert(result);
  });

  test(`${scenario}: two models starting at once on auto both get auto's best backend, not a fallback`, () => {
    const result = run(scenario, scenario === "two-fits" ? "default" : "auto");
    assert.equal(result.out.backend, "wasm");
    assert.equal(result.out.same, true);
    assert.equal(result.stderr, `${AUTO_LINE}\n`);
    assertNoAdvert(result);
  });
}

test("after await ready(), the first tensor made with elegy-ts's tf is on the chosen backend", () => {
  const result = run("ready-first", "default");
  assert.deepEqual(result.out, { scenario: "ready-first", backend: "wasm", choice: "wasm", tensorBackend: "wasm" });
  assert.equal(result.stderr, `${AUTO_LINE}\n`);
  assertNoAdvert(result);
});

test("tensors made before the choice (on tfjs's cpu default) mix with tensors made after it, silently", () => {
  const result = run("mixed", "wasm");
  assert.equal(result.out.earlyBackend, "cpu");
  assert.equal(result.out.backend, "wasm");
  assert.deepEqual(result.out.sum, [11, 22, 33, 44]);
  assert.deepEqual(result.out.product, [70, 100, 150, 220]);
  assert.equal(result.stderr, `${WASM_LINE}\n`);
  assertNoAdvert(result);
});

test("the choice line says whether elegy-ts's C++ kernels serve wasm (\"native\" in it is tfjs-node's backend)", () => {
  const off = run("ready-first", "default", { ELEGY_NATIVE: "0" });
  assert.equal(off.stderr,
    "elegy-ts: backend wasm (auto; cuda skipped: @tensorflow/tfjs-node-gpu is not installed; native skipped: @tensorflow/tfjs-node is not installed), " +
      "without its C++ kernels (disabled by ELEGY_NATIVE=0)\n");
  if (!status.loaded) return;
  const oneThread = run("ready-first", "wasm", { ELEGY_NATIVE_THREADS: "1" });
  assert.equal(oneThread.stderr, `elegy-ts: backend wasm (requested), with its C++ kernels (${status.isa}, 1 thread)\n`);
});
