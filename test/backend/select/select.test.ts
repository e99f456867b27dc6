import test from "node:test";
import assert from "node:assert/strict";
import { ElegyBackendError, backends, ensureBackend, tf } from "elegy-ts";

const lines: string[] = [];
const log = (line: string) => void lines.push(line);

test("auto takes the best backend that loads and says why it skipped the better ones", async () => {
  const choice = await ensureBackend("auto", { log });
  // Neither native package can install on these machines (their install downloads libtensorflow).
  assert.equal(choice.name, "wasm");
  assert.equal(tf.getBackend(), "wasm");
  assert.deepEqual(choice.skipped.map((s) => s.name), ["cuda", "native"]);
  assert.ok(lines.at(-1)!.startsWith("elegy-ts: backend wasm (auto; cuda skipped: @tensorflow/tfjs-node-gpu is not installed; native skipped: @tensorflow/tfjs-node is not installed), "), lines.at(-1));
  assert.equal(await ensureBackend("auto", { log }), choice, "a second call is cached");
});

test("an explicit backend that cannot load is an error naming the cause and the fix", async () => {
  await assert.rejects(ensureBackend("native", { log }), (error: Error) => {
    assert.ok(error instanceof ElegyBackendError);
    assert.equal(
      error.message,
      "Backend 'native' is not available: @tensorflow/tfjs-node is not installed. Install it with `npm install @tensorflow/tfjs-node`; " +
        "under npm 11 also approve its install script, which downloads libtensorflow: `npm install-scripts approve @tensorflow/tfjs-node && " +
        'npm rebuild @tensorflow/tfjs-node`. Or use backend "auto" to fall back.',
    );
    return true;
  });
  await assert.rejects(ensureBackend("wsam", { log }), {
    name: "ElegyBackendError",
    message: "Unknown backend 'wsam' (from the backend option). Did you mean 'wasm'? Choose one of: auto, cuda, native, wasm, cpu.",
  });
  // The names users know backends by are suggested by meaning, not spelling: gpu is not cpu.
  for (const [given, meant] of [["gpu", "cuda"], ["tensorflow", "native"], ["@tensorflow/tfjs-node", "native"], ["CPU ", "cpu"]]) {
    await assert.rejects(ensureBackend(given, { log }), {
      message: `Unknown backend '${given}' (from the backend option). Did you mean '${meant}'? Choose one of: auto, cuda, native, wasm, cpu.`,
    });
  }
});

test("ELEGY_BACKEND selects the backend when no option is given", async () => {
  process.env.ELEGY_BACKEND = "cpu";
  try {
    assert.equal((await ensureBackend(undefined, { log })).name, "cpu");
    assert.equal(tf.getBackend(), "cpu");
    process.env.ELEGY_BACKEND = "gpu";
    await assert.rejects(ensureBackend(undefined, { log }), { message: /Unknown backend 'gpu' \(from ELEGY_BACKEND\)/ });
  } finally {
    delete process.env.ELEGY_BACKEND;
  }
});

test("auto distinguishes a package that is missing from one that fails to load", async () => {
  const original = backends.loaders.native.load;
  backends.loaders.native.load = async () => {
    throw new Error("libtensorflow.so.2: cannot open shared object file");
  };
  try {
    const choice = await ensureBackend("auto", { log });
    assert.deepEqual(choice.skipped[1], { name: "native", why: "failed to load: libtensorflow.so.2: cannot open shared object file" });
    assert.equal(choice.name, "wasm");
  } finally {
    backends.loaders.native.load = original;
  }
});

test("a tensor made before any backend is chosen still works after auto picks wasm", async () => {
  // wasm is registered lazily: before selection, tensors live on cpu and move over.
  const { spawnSync } = await import("node:child_process");
  const script = `const e=require("elegy-ts");const t=e.tf.tensor([1,2,3]);e.ensureBackend("auto",{log(){}}).then(()=>console.log(e.tf.getBackend(), t.mul(2).dataSync().join(",")))`;
  const out = spawnSync(process.execPath, ["-e", script], { cwd: __dirname, encoding: "utf8" });
  assert.equal(out.stdout.trim(), "wasm 2,4,6", out.stderr);
});
