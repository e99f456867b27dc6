// A checkpoint is a standard safetensors file: an independent reader (Python's standard library
// and numpy, fixtures/read_safetensors.py) reads every tensor by its leaf path, with the values
// the model holds, and verifies the checksum. Skipped, saying why, where python3 has no numpy.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Model, losses, nn, optimizers, tf } from "elegy-ts";
import { tmpDir } from "../support/models";

const SCRIPT = path.join(__dirname, "..", "..", "..", "test", "io", "fixtures", "read_safetensors.py");

function numpyMissing(): string | undefined {
  const probe = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
  if (probe.error) return `python3 is not installed (${probe.error.message})`;
  if (probe.status !== 0) return `python3 has no numpy (${probe.stderr.trim().split("\n").at(-1)}); apt-get install python3-numpy`;
  return undefined;
}

test("python reader: numpy reads every tensor of a checkpoint by its leaf path, with the model's values", async (t) => {
  const missing = numpyMissing();
  if (missing) {
    console.log(`skipped: ${missing}`);
    t.skip(missing);
    return;
  }
  const model = new Model({
    module: new nn.Sequential([new nn.Linear(5), nn.relu, new nn.Linear(3)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    optimizer: optimizers.adam(0.01),
    backend: "cpu",
  });
  const x = tf.randomNormal([12, 4], 0, 1, "float32", 7);
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], "int32");
  await model.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
  model.setStates(model.states.update({ mask: tf.tensor1d([true, false, true], "bool"), counts: tf.tensor1d([3, -4], "int32") }));
  const dir = tmpDir("python");
  await model.save(dir);
  const run = spawnSync("python3", [SCRIPT, path.join(dir, "checkpoint.safetensors")], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, run.stderr);
  const read = JSON.parse(run.stdout) as { tensors: Record<string, { dtype: string; shape: number[]; values: Array<number | boolean> }>; layout: Record<string, any> };
  const kernel = (model.states.netParams as Record<string, Record<string, tf.Tensor>>).linear_1.kernel;
  assert.deepEqual(read.tensors["netParams.linear_1.kernel"].shape, [5, 3]);
  assert.equal(read.tensors["netParams.linear_1.kernel"].dtype, "F32");
  assert.deepEqual(read.tensors["netParams.linear_1.kernel"].values, Array.from(kernel.dataSync()));
  assert.deepEqual(read.tensors.mask, { dtype: "BOOL", shape: [3], values: [true, false, true] });
  assert.deepEqual(read.tensors.counts, { dtype: "I32", shape: [2], values: [3, -4] });
  // Every tensor of the States, no more: same names, shapes and values.
  const expected: Record<string, number[]> = {};
  const walk = (node: unknown, p: string): void => {
    if (node instanceof tf.Tensor) expected[p] = Array.from(node.dataSync(), Number);
    else if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${p}[${i}]`));
    else if (node && typeof node === "object" && Object.getPrototypeOf(node) === Object.prototype) {
      for (const [k, v] of Object.entries(node)) walk(v, p ? `${p}.${k}` : k);
    }
  };
  for (const [field, value] of Object.entries(model.states.fields())) walk(value, field);
  assert.deepEqual(Object.keys(read.tensors).sort(), Object.keys(expected).sort());
  for (const [name, values] of Object.entries(expected)) assert.deepEqual(read.tensors[name].values.map(Number), values, name);
  assert.equal(read.layout.epoch, 2);
  assert.equal(read.layout.architecture.className, "Model");
  assert.deepEqual(read.layout.architecture.input, { $tensor: { shape: [4], dtype: "float32" } });
  assert.deepEqual(read.layout.architecture.target, { $tensor: { shape: [], dtype: "int32" } });
  tf.dispose([x, y]);
});
