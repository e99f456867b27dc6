import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ElegyCheckpointError, States, optimizers, tf } from "elegy-ts";
import { LinearRegression, regressionData, tmpDir } from "../support/models";
import { editParts, readParts } from "./checkpoint-file";

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

test("checkpoint: save then load restores every state tensor, the rng and the epoch, in one safetensors file", async () => {
  const model = await trained();
  const dir = tmpDir("ckpt");
  await model.save(dir);
  const loaded = await LinearRegression.load(dir, { optimizer: optimizers.adam(0.05), backend: "cpu" });
  assert.equal(loaded.epoch, 2);
  assert.deepEqual(loaded.states.rng.state, model.states.rng.state);
  assert.deepEqual((loaded.states.netParams as tf.Tensor).arraySync(), (model.states.netParams as tf.Tensor).arraySync());
  assert.deepEqual(params(loaded), params(model));
  assert.deepEqual(fs.readdirSync(dir), ["checkpoint.safetensors"]);
  const { header, layout } = readParts(dir);
  assert.equal((8 + fs.readFileSync(path.join(dir, "checkpoint.safetensors")).readUInt32LE(0)) % 8, 0, "the data starts 8-byte aligned");
  assert.deepEqual(header.netParams, { dtype: "F32", shape: [4, 1], data_offsets: header.netParams.data_offsets });
  assert.ok(Object.keys(header).includes("optimizerStates.step") || Object.keys(header).some((k) => k.startsWith("optimizerStates.")));
  assert.equal(layout.epoch, 2);
  assert.equal(layout.architecture.className, "LinearRegression");
  assert.deepEqual(layout.architecture.input, { $tensor: { shape: [4], dtype: "float32" } });
  assert.deepEqual(layout.architecture.target, { $tensor: { shape: [], dtype: "float32" } });
  assert.deepEqual(layout.architecture.leaves.netParams, [{ path: "netParams", dtype: "float32", shape: [4, 1] }]);
  tf.dispose([...loaded.states.tensors(), ...model.states.tensors()]);
});

test("checkpoint: saving again replaces the file and leaves no temporaries", async () => {
  const model = await trained();
  const dir = tmpDir("ckpt-twice");
  await model.save(dir);
  const { x, y } = regressionData(32);
  await model.fit(x, y, { epochs: 1, verbose: 0 });
  await model.save(dir);
  assert.deepEqual(fs.readdirSync(dir), ["checkpoint.safetensors"]);
  assert.equal(readParts(dir).layout.epoch, 1, "the second fit ran its own epoch 1");
  tf.dispose([x, y, ...model.states.tensors()]);
});

test("checkpoint: user fields of States round-trip — numbers (also NaN, Infinity), booleans, strings, tensors; unsupported values are refused on save", async () => {
  const model = await trained();
  model.setStates(model.states.update({ step: 7, flag: true, off: false, note: "hi", lost: NaN, far: -Infinity, nested: { a: [1, 2], t: tf.tensor1d([3, 4]) } }));
  const dir = tmpDir("ckpt-user");
  await model.save(dir);
  const loaded = await LinearRegression.load(dir, { optimizer: optimizers.adam(0.05) });
  assert.equal(loaded.states.step, 7);
  assert.equal(loaded.states.flag, true);
  assert.equal(loaded.states.off, false);
  assert.equal(loaded.states.note, "hi");
  assert.ok(Number.isNaN(loaded.states.lost));
  assert.equal(loaded.states.far, -Infinity);
  assert.deepEqual(loaded.states.nested.a, [1, 2]);
  assert.deepEqual((loaded.states.nested.t as tf.Tensor).arraySync(), [3, 4]);
  assert.ok("nested.t" in readParts(dir).header, "a tensor is named by its leaf path");
  model.setStates(model.states.update({ fn: () => 1 }));
  await assert.rejects(model.save(tmpDir("ckpt-fn")), {
    name: "ElegyCheckpointError",
    message: "Cannot save states.fn: it is a function. Checkpoints hold tensors, numbers, strings, booleans, arrays and plain objects only.",
  });
});

async function savedDir(): Promise<string> {
  const model = await trained();
  const dir = tmpDir("ckpt-bad");
  await model.save(dir);
  tf.dispose([...model.states.tensors()]);
  return dir;
}

async function rejectsWith(dir: string, expected: RegExp | string): Promise<void> {
  const before = tf.memory().numTensors;
  await assert.rejects(LinearRegression.load(dir, { backend: "cpu" }), (error: Error) => {
    assert.ok(error instanceof ElegyCheckpointError, `${error.name}: ${error.message}`);
    if (typeof expected === "string") assert.equal(error.message, expected);
    else assert.match(error.message, expected);
    return true;
  });
  // A refused checkpoint leaves no tensors behind (the model made for it holds none yet).
  assert.equal(tf.memory().numTensors, before);
}

test("checkpoint: a missing folder, or one without a checkpoint file, is named with the fix", async () => {
  await rejectsWith("/nonexistent/elegy/ckpt", "No checkpoint at /nonexistent/elegy/ckpt: the folder does not exist. Check the path, or save one first with model.save(dir).");
  const empty = tmpDir("empty");
  await rejectsWith(empty, `${empty} is not a checkpoint: it has no checkpoint.safetensors. Point to a folder written by model.save(dir).`);
});

test("checkpoint: truncated, extended or bit-flipped files are refused (sizes before reading, then the checksum)", async () => {
  const truncated = await savedDir();
  const file = path.join(truncated, "checkpoint.safetensors");
  const size = fs.statSync(file).size;
  fs.truncateSync(file, size - 3);
  await rejectsWith(truncated, `${file} is truncated: its header declares ${size} bytes, the file has ${size - 3}.`);
  fs.truncateSync(file, 5);
  await rejectsWith(truncated, `${file} is truncated: it has 5 bytes, fewer than the 8 of a safetensors length prefix.`);

  const longer = await savedDir();
  const longFile = path.join(longer, "checkpoint.safetensors");
  const longSize = fs.statSync(longFile).size;
  fs.appendFileSync(longFile, Buffer.alloc(100));
  await rejectsWith(longer, `${longFile} has ${longSize + 100} bytes, more than the ${longSize} its header declares; it is corrupt. Refusing to load it.`);

  const flipped = await savedDir();
  const bytes = fs.readFileSync(path.join(flipped, "checkpoint.safetensors"));
  bytes[bytes.length - 1] ^= 0xff;
  fs.writeFileSync(path.join(flipped, "checkpoint.safetensors"), bytes);
  await rejectsWith(
    flipped,
    `${path.join(flipped, "checkpoint.safetensors")} is corrupt: its SHA-256 does not match the one in its metadata (its tensor data or its layout changed after it was saved). Restore the file, or use another checkpoint.`,
  );
});

test("checkpoint: edits to the layout that stay valid JSON — dtype, epoch, class name, a leaf's shape — break the checksum", async () => {
  const edits: Array<[string, (parts: ReturnType<typeof readParts>) => void]> = [
    ["epoch 2 → 7", (p) => (p.layout.epoch = 7)],
    ["class name", (p) => (p.layout.architecture.className = "Other")],
    ["dtype float32 → int32 in both header and layout", (p) => {
      p.header.netParams.dtype = "I32";
      p.layout.tensors.find((row: unknown[]) => row[0] === "netParams")[1] = "I32";
    }],
    ["an extra architecture field", (p) => (p.layout.architecture.module = { kind: "forged" })],
  ];
  for (const [name, edit] of edits) {
    const dir = await savedDir();
    editParts(dir, edit);
    await rejectsWith(dir, /is corrupt: its SHA-256 does not match the one in its metadata/).catch((error) => assert.fail(`${name}: ${error}`));
  }
});

test("checkpoint: a header that disagrees with the checksummed layout is refused even when resealed", async () => {
  const dir = await savedDir();
  editParts(dir, (p) => (p.header.netParams.dtype = "I32"));
  await rejectsWith(dir, /its header's tensor 'netParams' \(I32 \[4, 1\]\) is not the layout's tensor \d+ \(\["netParams","F32",\[4,1\]\]\)/);
});

test("checkpoint: hostile safetensors headers are refused before any tensor is built", async () => {
  const cases: Array<[string, (p: ReturnType<typeof readParts>) => void, RegExp]> = [
    ["overlapping offsets", (p) => {
      const names = Object.keys(p.header).filter((k) => k !== "__metadata__");
      const [a, b] = names.map((n) => p.header[n]).sort((x, y) => x.data_offsets[0] - y.data_offsets[0]);
      // b starts inside a, keeping its size
      const size = b.data_offsets[1] - b.data_offsets[0];
      b.data_offsets = [a.data_offsets[1] - 4, a.data_offsets[1] - 4 + size];
    }, /overlaps tensor/],
    ["out-of-range offsets", (p) => {
      const last = Object.values(p.header).filter((e: any) => e.data_offsets).sort((x: any, y: any) => y.data_offsets[1] - x.data_offsets[1])[0] as any;
      last.data_offsets = [last.data_offsets[0] + 1000, last.data_offsets[1] + 1000];
    }, /the data has a gap at bytes \d+-\d+, before tensor/],
    ["huge declared size", (p) => (p.header.netParams.shape = [1e9, 1e9, 1e9]), /tensor 'netParams' declares the shape \[1000000000, 1000000000, 1000000000\], too large to hold in memory/],
    ["a size that does not fit the shape", (p) => (p.header.netParams.shape = [4, 2]), /tensor 'netParams' covers 16 bytes, but a F32 tensor of shape \[4, 2\] has 32/],
    ["unknown dtype", (p) => (p.header.netParams.dtype = "F64"), /tensor 'netParams' has the dtype "F64"; elegy-ts reads F32, I32, BOOL/],
    ["an unknown entry field", (p) => (p.header.netParams.exec = "rm -rf /"), /tensor 'netParams' has the unknown field 'exec'/],
    ["non-string metadata", (p) => (p.header.__metadata__.extra = { a: 1 }), /its __metadata__ entry 'extra' is not a string/],
    ["unknown layout tag", (p) => (p.layout.states.evil = { $function: "return process" }), /states\.evil has the unknown tag '\$function'/],
    ["future version", (p) => (p.layout.version = 99), /it is version 99; this elegy-ts reads version 2/],
  ];
  for (const [name, mutate, pattern] of cases) {
    const dir = await savedDir();
    editParts(dir, mutate, { reseal: true });
    await rejectsWith(dir, pattern).catch((error) => assert.fail(`${name}: ${error}`));
  }
});

test("checkpoint: non-JSON, prototype keys, deep nesting and huge header lengths are refused with their cause", async () => {
  const write = (dir: string, header: Buffer | string, declared?: bigint) => {
    const json = Buffer.from(header);
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(declared ?? BigInt(json.length));
    fs.writeFileSync(path.join(dir, "checkpoint.safetensors"), Buffer.concat([prefix, json]));
  };
  const file = (dir: string) => path.join(dir, "checkpoint.safetensors");
  let dir = tmpDir("hostile");
  write(dir, "{not json");
  await rejectsWith(dir, new RegExp(`^The header of ${file(dir)} is not valid JSON \\(.*\\); the checkpoint is truncated or corrupt\\.$`));
  dir = tmpDir("hostile");
  write(dir, '{"__proto__":{"polluted":true}}');
  await rejectsWith(dir, `The header of ${file(dir)} contains the key '__proto__', which a checkpoint never has; refusing to load it.`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, "no prototype was polluted");
  dir = tmpDir("hostile");
  write(dir, `{"__metadata__":{"elegy.layout":"x"},"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
  await rejectsWith(dir, `The header of ${file(dir)} is nested too deeply (more than 128 levels of [ and {); elegy-ts never writes that, so the checkpoint is corrupt or hostile. Refusing to load it.`);
  dir = tmpDir("hostile");
  write(dir, "{}", 2n ** 62n);
  await rejectsWith(dir, `${file(dir)} is not a valid safetensors file: it declares a header of 4611686018427387904 bytes, more than a safetensors header may have (100000000). The checkpoint is corrupt or was not written by elegy-ts.`);
  dir = tmpDir("hostile");
  write(dir, "{}", 5000n);
  await rejectsWith(dir, `${file(dir)} is truncated: its header alone should have 5000 bytes, the file has 2 after the length prefix.`);
  dir = tmpDir("hostile");
  write(dir, '{"__metadata__":{}}');
  await rejectsWith(dir, `${file(dir)} is a safetensors file but not an elegy-ts checkpoint: its __metadata__ has no "elegy.layout". Load its tensors with a safetensors reader, or point to a folder written by model.save(dir).`);

  // Prototype keys and deep nesting inside the layout string (resealed, so only these checks stand).
  const layoutProto = await savedDir();
  const parts = readParts(layoutProto);
  const text = JSON.stringify(parts.layout).replace('"states":{', '"states":{"__proto__":{"$object":{"polluted":true}},');
  const { createHash } = await import("node:crypto");
  parts.header.__metadata__["elegy.layout"] = text;
  parts.header.__metadata__["elegy.sha256"] = createHash("sha256").update(text).update(parts.data).digest("hex");
  const json = Buffer.from(JSON.stringify(parts.header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(parts.file, Buffer.concat([prefix, json, parts.data]));
  await rejectsWith(layoutProto, `The layout (__metadata__ "elegy.layout") of ${parts.file} contains the key '__proto__', which a checkpoint never has; refusing to load it.`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, "no prototype was polluted");
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

test("checkpoint: the architecture record keeps extra fields (a module description) under the checksum", async () => {
  const { saveCheckpoint, loadCheckpoint, RNG } = await import("elegy-ts");
  const dir = tmpDir("ckpt-module");
  const states = new States({ netParams: { dense: { kernel: tf.ones([2, 3]) } }, rng: new RNG(1) });
  const module = { format: "tfjs-layers", modelTopology: { class_name: "Sequential" }, weights: [{ name: "dense/kernel", path: ["netParams", "dense", "kernel"] }] };
  await saveCheckpoint(dir, states, { className: "Described", epoch: 0, module });
  const checkpoint = await loadCheckpoint(dir);
  assert.deepEqual(checkpoint.architecture?.module, module);
  assert.equal(checkpoint.architecture?.input, null, "saved without an init batch: no input spec");
  tf.dispose([...states.tensors(), ...checkpoint.states.tensors()]);
});
