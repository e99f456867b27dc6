// Only regular files are read, with their sizes checked first: a FIFO, a device, a directory
// or a file larger than its header declares is refused before any byte of it is read, and
// promptly (a FIFO opened for reading would otherwise block forever; /dev/zero never ends).
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ElegyCheckpointError, optimizers, tf } from "elegy-ts";
import { LinearRegression, regressionData, tmpDir } from "../support/models";

async function savedDir(): Promise<string> {
  const { x, y } = regressionData(16);
  const model = new LinearRegression({ optimizer: optimizers.sgd(0.1), backend: "cpu" });
  await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
  const dir = tmpDir("special");
  await model.save(dir);
  tf.dispose([x, y, ...model.states.tensors()]);
  return dir;
}

async function refused(dir: string, message: string): Promise<void> {
  const before = tf.memory().numTensors;
  await assert.rejects(LinearRegression.load(dir, { backend: "cpu" }), (error: Error) => {
    assert.ok(error instanceof ElegyCheckpointError, `${error.name}: ${error.message}`);
    assert.equal(error.message, message);
    return true;
  });
  assert.equal(tf.memory().numTensors, before);
}

const notRegular = (file: string, kind: string) =>
  `${file} is ${kind}, not a regular file. A checkpoint's files are regular files; refusing to read it (it could block or never end). ` +
  "Point to a folder written by model.save(dir).";

test("special files: a FIFO in place of checkpoint.safetensors is refused without opening it for a read that would block", { timeout: 20_000 }, async () => {
  const dir = await savedDir();
  const file = path.join(dir, "checkpoint.safetensors");
  fs.rmSync(file);
  execFileSync("mkfifo", [file]);
  await refused(dir, notRegular(file, "a FIFO (named pipe)"));
});

test("special files: checkpoint.safetensors symlinked to /dev/zero is refused (a character device), not read without end", { timeout: 20_000 }, async () => {
  const dir = await savedDir();
  const file = path.join(dir, "checkpoint.safetensors");
  fs.rmSync(file);
  fs.symlinkSync("/dev/zero", file);
  await refused(dir, notRegular(file, "a character device"));
});

test("special files: a directory in place of the file is refused", async () => {
  const dir = await savedDir();
  const file = path.join(dir, "checkpoint.safetensors");
  fs.rmSync(file);
  fs.mkdirSync(file);
  await refused(dir, notRegular(file, "a directory"));
});

test("special files: the path of the checkpoint's file, not its folder, is refused naming the folder to load", async () => {
  const dir = await savedDir();
  const file = path.join(dir, "checkpoint.safetensors");
  await refused(file, `${file} is a file, not a folder. Load the folder that model.save(dir) wrote: ${dir}.`);
});

test("special files: a symlink to a regular checkpoint file is followed; a file larger than its header declares is refused before its data is read", async () => {
  const dir = await savedDir();
  const linked = tmpDir("special-link");
  fs.symlinkSync(path.join(dir, "checkpoint.safetensors"), path.join(linked, "checkpoint.safetensors"));
  const loaded = await LinearRegression.load(linked, { backend: "cpu" });
  assert.equal(loaded.epoch, 1);
  tf.dispose([...loaded.states.tensors()]);
  const file = path.join(dir, "checkpoint.safetensors");
  const size = fs.statSync(file).size;
  // 1 GB of sparse zeros appended: refused from the sizes alone (stat and the header), before any data is read.
  fs.truncateSync(file, size + 2 ** 30);
  await refused(dir, `${file} has ${size + 2 ** 30} bytes, more than the ${size} its header declares; it is corrupt. Refusing to load it.`);
});

/** A checkpoint folder of elegy-ts's earlier format (checkpoint.json + tensors-<sha256>.bin), written as that version did. */
function writeLegacy(dir: string, w: number[], epoch: number): void {
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  const blob = Buffer.from(new Float32Array(w).buffer);
  const sha = createHash("sha256").update(blob).digest("hex");
  const manifest = {
    format: "elegy-ts/checkpoint", version: 1, className: "LinearRegression", epoch,
    tensorsFile: `tensors-${sha}.bin`, tensorsBytes: blob.length, tensorsSha256: sha,
    tensors: [{ dtype: "float32", shape: [w.length, 1], offset: 0, bytes: blob.length }],
    states: { netParams: { $tensor: 0 }, rng: { $rng: { seed: 42, counter: 3 } } },
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, manifest.tensorsFile), blob);
  fs.writeFileSync(path.join(dir, "checkpoint.json"), JSON.stringify(manifest));
}

test("earlier format: refused by an uninitialized model with the way to convert; loaded by an initialized one; saving converts it", async () => {
  const dir = tmpDir("legacy");
  writeLegacy(dir, [1, -2, 3, 0.5], 4);
  await refused(
    dir,
    `The checkpoint at ${dir} is in elegy-ts's earlier format (checkpoint.json + tensors-….bin), which does not record the model's input shapes, ` +
      "so it can only be loaded into a LinearRegression that is already initialized. To convert it: await model.init(x, y) on one batch of your data, " +
      "then await model.loadWeights(dir) and await model.save(dir) — the folder then holds checkpoint.safetensors.",
  );
  const model = new LinearRegression({ backend: "cpu" });
  const { x, y } = regressionData(8);
  await model.init(x, y);
  await model.loadWeights(dir);
  assert.equal(model.epoch, 4);
  assert.deepEqual(Array.from((model.states.netParams as tf.Tensor).dataSync()), [1, -2, 3, 0.5]);
  await model.save(dir);
  assert.deepEqual(fs.readdirSync(dir), ["checkpoint.safetensors"], "the earlier format's files are replaced");
  const converted = await LinearRegression.load(dir, { backend: "cpu" });
  assert.deepEqual(Array.from((converted.states.netParams as tf.Tensor).dataSync()), [1, -2, 3, 0.5]);
  tf.dispose([x, y, ...converted.states.tensors()]);
});

test("earlier format: a FIFO manifest or a tensor file on /dev/zero is refused promptly", { timeout: 20_000 }, async () => {
  const initialized = async () => {
    const model = new LinearRegression({ backend: "cpu" });
    const { x, y } = regressionData(8);
    await model.init(x, y);
    tf.dispose([x, y]);
    return model;
  };
  const fifoDir = tmpDir("legacy-fifo");
  writeLegacy(fifoDir, [1, 2, 3, 4], 1);
  const manifest = path.join(fifoDir, "checkpoint.json");
  fs.rmSync(manifest);
  execFileSync("mkfifo", [manifest]);
  await assert.rejects((await initialized()).loadWeights(fifoDir), { message: notRegular(manifest, "a FIFO (named pipe)") });
  const zeroDir = tmpDir("legacy-zero");
  writeLegacy(zeroDir, [1, 2, 3, 4], 1);
  const bin = fs.readdirSync(zeroDir).find((f) => f.endsWith(".bin"))!;
  fs.rmSync(path.join(zeroDir, bin));
  fs.symlinkSync("/dev/zero", path.join(zeroDir, bin));
  await assert.rejects((await initialized()).loadWeights(zeroDir), { message: notRegular(path.join(zeroDir, bin), "a character device") });
  const deep = tmpDir("legacy-deep");
  writeLegacy(deep, [1, 2, 3, 4], 1);
  fs.writeFileSync(path.join(deep, "checkpoint.json"), "[".repeat(1_000_000));
  await assert.rejects((await initialized()).loadWeights(deep), {
    message: `${path.join(deep, "checkpoint.json")} is nested too deeply (more than 128 levels of [ and {); elegy-ts never writes that, so the checkpoint is corrupt or hostile. Refusing to load it.`,
  });
});
