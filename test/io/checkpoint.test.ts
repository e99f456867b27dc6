import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ElegyCheckpointError, States, optimizers, tf } from "elegy-ts";
import { LinearRegression, regressionData, tmpDir } from "../support/models";

async function trained(): Promise<LinearRegression> {
  const { x, y } = regressionData(64);
  const model = new LinearRegression({ optimizer: optimizers.adam(0.05), backend: "cpu" });
  await model.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
  tf.dispose([x, y]);
  return model;
}

function params(model: { states: States }): number[][] {
  return [...model.states.tensors()].map((t) => Array.from(t.dataSync()));
}

test("checkpoint: save then load restores every state tensor, the rng and the epoch", async () => {
  const model = await trained();
  const dir = tmpDir("ckpt");
  await model.save(dir);
  const loaded = await LinearRegression.load(dir, { optimizer: optimizers.adam(0.05), backend: "cpu" });
  assert.equal(loaded.epoch, 2);
  assert.deepEqual(loaded.states.rng.state, model.states.rng.state);
  assert.deepEqual((loaded.states.netParams as tf.Tensor).arraySync(), (model.states.netParams as tf.Tensor).arraySync());
  assert.deepEqual(params(loaded), params(model));
  const files = fs.readdirSync(dir).sort();
  assert.equal(files.length, 2);
  assert.equal(files[0], "checkpoint.json");
  assert.match(files[1], /^tensors-[0-9a-f]{64}\.bin$/);
});

test("checkpoint: saving again replaces the tensor file and leaves no temporaries", async () => {
  const model = await trained();
  const dir = tmpDir("ckpt-twice");
  await model.save(dir);
  const first = fs.readdirSync(dir).find((f) => f.endsWith(".bin"));
  await model.fit(regressionData(32).x, regressionData(32).y, { epochs: 1, verbose: 0 });
  await model.save(dir);
  const files = fs.readdirSync(dir);
  assert.equal(files.length, 2, files.join(", "));
  assert.ok(!files.includes(first!), "the old tensor file is gone");
});

test("checkpoint: user fields of States round-trip; unsupported values are refused on save", async () => {
  const model = await trained();
  model.setStates(model.states.update({ step: 7, note: "hi", nested: { a: [1, 2], t: tf.tensor1d([3, 4]) } }));
  const dir = tmpDir("ckpt-user");
  await model.save(dir);
  const loaded = await LinearRegression.load(dir, { optimizer: optimizers.adam(0.05) });
  assert.equal(loaded.states.step, 7);
  assert.equal(loaded.states.note, "hi");
  assert.deepEqual(loaded.states.nested.a, [1, 2]);
  assert.deepEqual((loaded.states.nested.t as tf.Tensor).arraySync(), [3, 4]);
  model.setStates(model.states.update({ fn: () => 1 }));
  await assert.rejects(model.save(tmpDir("ckpt-fn")), {
    name: "ElegyCheckpointError",
    message: "Cannot save states.fn: it is a function. Checkpoints hold tensors, numbers, strings, booleans, arrays and plain objects only.",
  });
});

async function savedDir(): Promise<{ dir: string; manifest: Record<string, unknown>; bin: string }> {
  const model = await trained();
  const dir = tmpDir("ckpt-bad");
  await model.save(dir);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "checkpoint.json"), "utf8")) as Record<string, unknown>;
  return { dir, manifest, bin: path.join(dir, manifest.tensorsFile as string) };
}

async function rejectsWith(dir: string, pattern: RegExp): Promise<void> {
  const before = tf.memory().numTensors;
  await assert.rejects(LinearRegression.load(dir, { backend: "cpu" }), (error: Error) => {
    assert.ok(error instanceof ElegyCheckpointError, `${error.name}: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
  // A refused checkpoint leaves no tensors behind (the model made for it holds none yet).
  assert.equal(tf.memory().numTensors, before);
}

test("checkpoint: a missing folder, or one without a manifest, is named with the fix", async () => {
  await rejectsWith("/nonexistent/elegy/ckpt", /No checkpoint at \/nonexistent\/elegy\/ckpt: the folder does not exist/);
  await rejectsWith(tmpDir("empty"), /is not a checkpoint: it has no checkpoint\.json/);
});

test("checkpoint: truncated or corrupted tensor files are refused (size, checksum)", async () => {
  const truncated = await savedDir();
  fs.truncateSync(truncated.bin, 10);
  await rejectsWith(truncated.dir, /truncated or corrupt: tensors-[0-9a-f]+\.bin has 10 bytes, the manifest says \d+/);
  const flipped = await savedDir();
  const bytes = fs.readFileSync(flipped.bin);
  bytes[0] ^= 0xff;
  fs.writeFileSync(flipped.bin, bytes);
  await rejectsWith(flipped.dir, /is corrupt: the checksum of tensors-[0-9a-f]+\.bin does not match the manifest/);
  const missing = await savedDir();
  fs.rmSync(missing.bin);
  await rejectsWith(missing.dir, /is incomplete: tensors-[0-9a-f]+\.bin is missing/);
  const halfJson = await savedDir();
  const text = fs.readFileSync(path.join(halfJson.dir, "checkpoint.json"), "utf8");
  fs.writeFileSync(path.join(halfJson.dir, "checkpoint.json"), text.slice(0, text.length / 2));
  await rejectsWith(halfJson.dir, /is not valid JSON .*truncated or corrupt/);
});

test("checkpoint: hostile manifests are refused before anything is read or built", async () => {
  const cases: Array<[string, (m: Record<string, unknown>) => void, RegExp]> = [
    ["path traversal", (m) => (m.tensorsFile = "../../etc/passwd"), /tensorsFile "\.\.\/\.\.\/etc\/passwd" is not a plain file name/],
    ["huge declared size", (m) => ((m.tensors as Array<Record<string, unknown>>)[0].shape = [1e9, 1e9]), /declares \d+ bytes, but a float32 tensor of shape \[1000000000,1000000000\]/],
    ["bad dtype", (m) => ((m.tensors as Array<Record<string, unknown>>)[0].dtype = "string"), /has the dtype "string"/],
    ["wrong format", (m) => (m.format = "keras"), /its format is "keras"/],
    ["future version", (m) => (m.version = 99), /it is version 99; this elegy-ts reads version 1/],
    ["unknown layout tag", (m) => ((m.states as Record<string, unknown>).evil = { $function: "return process" }), /states\.evil has the unknown tag '\$function'/],
  ];
  for (const [, mutate, pattern] of cases) {
    const { dir, manifest } = await savedDir();
    mutate(manifest);
    fs.writeFileSync(path.join(dir, "checkpoint.json"), JSON.stringify(manifest));
    await rejectsWith(dir, pattern);
  }
  const { dir } = await savedDir();
  const text = fs.readFileSync(path.join(dir, "checkpoint.json"), "utf8");
  fs.writeFileSync(path.join(dir, "checkpoint.json"), text.replace('"states":{', '"states":{"__proto__":{"$object":{"polluted":true}},'));
  await rejectsWith(dir, /contains the key '__proto__', which a checkpoint never has/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, "no prototype was polluted");
});

test("checkpoint: a checkpoint from another model is refused with the mismatch named", async () => {
  const { dir } = await savedDir();
  const other = new LinearRegression({ optimizer: optimizers.adam(0.05), backend: "cpu" });
  await other.init(tf.zeros([4, 6]), tf.zeros([4]));
  await assert.rejects(other.loadWeights(dir), (error: Error) => {
    assert.ok(error instanceof ElegyCheckpointError);
    assert.match(error.message, /does not fit this LinearRegression: the checkpoint's states\.netParams does not match this model's states\.netParams: at leaf 0, this model's states\.netParams has Tensor\[6,1\] float32 but the checkpoint's states\.netParams has Tensor\[4,1\] float32\./);
    return true;
  });
});

test("checkpoint: exact resume — 2 epochs, save, load, 2 more equals 4 straight, bit for bit", async () => {
  for (const backend of ["wasm", "cpu"]) {
    const { x, y } = regressionData(200, 5);
    const options = () => ({ optimizer: optimizers.adam(0.01), backend });
    const straight = new LinearRegression(options());
    await straight.fit(x, y, { epochs: 4, batchSize: 32, verbose: 0 });
    const first = new LinearRegression(options());
    await first.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
    const dir = tmpDir(`resume-${backend}`);
    await first.save(dir);
    const resumed = new LinearRegression(options());
    await resumed.fit(x, y, { epochs: 4, batchSize: 32, verbose: 0, resume: dir });
    assert.equal(resumed.epoch, 4);
    assert.deepEqual(params(resumed), params(straight), `resume on ${backend} is exact`);
    tf.dispose([x, y]);
  }
});
