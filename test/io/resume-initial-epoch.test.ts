// fit({ resume }) starts where the checkpoint stopped. An initialEpoch that says otherwise used to
// win silently (3 more epochs trained and the count off by one); now it is refused before the
// checkpoint replaces anything, unless it names the checkpoint's own epoch.
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyInputError, States, optimizers, tf } from "elegy-ts";
import { LinearRegression, regressionData, tmpDir } from "../support/models";

const params = (model: { states: States }) => Array.from((model.states.netParams as tf.Tensor).dataSync());

test("fit({ resume, initialEpoch }) is refused unless initialEpoch is the checkpoint's epoch", async () => {
  const { x, y } = regressionData(96, 4);
  const options = () => ({ optimizer: optimizers.adam(0.01), backend: "wasm" });
  const first = new LinearRegression(options());
  await first.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
  const dir = tmpDir("resume-initial-epoch");
  await first.save(dir);

  // A fresh model: refused, and still not initialized (nothing loaded, nothing leaked).
  const fresh = new LinearRegression(options());
  const tensors = tf.memory().numTensors;
  await assert.rejects(fresh.fit(x, y, { epochs: 4, batchSize: 32, verbose: 0, resume: dir, initialEpoch: 1 }), (e: Error) => {
    assert.ok(e instanceof ElegyInputError);
    assert.equal(
      e.message,
      `fit(): initialEpoch 1 conflicts with resume: the checkpoint at ${dir} has completed 2 epoch(s), ` +
        "and a resumed fit starts where it stopped, at epoch 2. Leave initialEpoch out (or pass initialEpoch: 2).",
    );
    return true;
  });
  assert.equal(fresh.initialized, false);
  assert.equal(tf.memory().numTensors, tensors, "the refused checkpoint's tensors were freed");

  // An initialized model keeps its own states and epoch.
  const other = new LinearRegression(options());
  await other.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  const before = params(other);
  await assert.rejects(other.fit(x, y, { epochs: 4, verbose: 0, resume: dir, initialEpoch: 0 }), /initialEpoch 0 conflicts with resume/);
  assert.deepEqual(params(other), before);
  assert.equal(other.epoch, 1);

  // The checkpoint's own epoch is accepted, and trains as a resume without initialEpoch.
  const a = new LinearRegression(options());
  const b = new LinearRegression(options());
  const ha = await a.fit(x, y, { epochs: 4, batchSize: 32, verbose: 0, resume: dir, initialEpoch: 2 });
  const hb = await b.fit(x, y, { epochs: 4, batchSize: 32, verbose: 0, resume: dir });
  assert.deepEqual(ha.epoch, [2, 3]);
  assert.deepEqual(ha.history, hb.history);
  assert.deepEqual(params(a), params(b));
  assert.equal(a.epoch, 4);

  // initialEpoch itself is checked before the checkpoint is read.
  await assert.rejects(fresh.fit(x, y, { resume: dir, initialEpoch: -1, verbose: 0 }), {
    message: "fit(): initialEpoch must be a non-negative integer, got -1.",
  });
  [first, fresh, other, a, b].forEach((m) => m.dispose());
  tf.dispose([x, y]);
});
