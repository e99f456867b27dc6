// Shuffled batches are gathered straight into the tensor's memory on wasm: the same tensors
// (values, shapes, dtypes, structure) as gathering into host arrays and uploading them.
import test from "node:test";
import assert from "node:assert/strict";
import { ensureBackend, tf } from "elegy-ts";
import { HostTree, gatherRows, upload, uploadRows } from "../../src/loop/host-data";
import { TensorTree, leaves } from "../../src/tree";

const tree: HostTree = {
  x: { data: Float32Array.from({ length: 5 * 6 }, (_, i) => i * 0.5 - 3), shape: [5, 2, 3], dtype: "float32" },
  y: [
    { data: Int32Array.from([4, 3, 2, 1, 0]), shape: [5], dtype: "int32" },
    { data: Uint8Array.from([1, 0, 1, 1, 0]), shape: [5, 1], dtype: "bool" },
  ],
};

for (const backend of ["cpu", "wasm"]) {
  test(`${backend}: uploadRows gives the tensors of gatherRows + upload`, async () => {
    await ensureBackend(backend, { log: () => undefined });
    const before = tf.memory().numTensors;
    for (const rows of [Int32Array.from([3, 0, 4]), Int32Array.from([2]), Int32Array.from([4, 3, 2, 1, 0])]) {
      const ours = uploadRows(tree, rows);
      const expected = upload(gatherRows(tree, rows));
      const [a, b] = [leaves(ours as TensorTree), leaves(expected)];
      assert.equal(a.length, 3);
      a.forEach((t, i) => {
        assert.deepEqual(t.shape, b[i].shape);
        assert.equal(t.dtype, b[i].dtype);
        assert.deepEqual(Array.from(t.dataSync()), Array.from(b[i].dataSync()), `leaf ${i}, rows ${rows}`);
      });
      assert.deepEqual(Object.keys(ours as object), ["x", "y"]);
      tf.dispose([...a, ...b]);
    }
    assert.equal(tf.memory().numTensors, before);
  });
}
