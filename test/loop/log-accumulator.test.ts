// The epoch's log accumulator: running values it may take are kept as they are (no copy),
// others are copied; either way the values read back are the latest, and nothing leaks.
import test from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/tf";
import { markRunning } from "../../src/logs";
import { LogAccumulator } from "../../src/loop/log-accumulator";
import { useCpu } from "../losses/support";

test.before(useCpu);

test("takeable float32 running scalars are kept without a copy; the rest are copied; per-batch values are averaged", async () => {
  const before = tf.memory().numTensors;
  const acc = new LogAccumulator();
  const inState = tf.scalar(7);
  const first = markRunning(tf.scalar(1));
  const taken1 = acc.add({ acc: first, held: markRunning(inState), batch: tf.scalar(2), n: 3 }, 4, (t) => t !== inState);
  assert.deepEqual(taken1, [first], "only the takeable running scalar is taken");
  // The caller frees everything it still owns: the per-batch value; the state tensor stays.
  const second = markRunning(tf.scalar(5));
  const int = markRunning(tf.scalar(9, "int32"));
  const taken2 = acc.add({ acc: second, held: markRunning(inState), batch: tf.scalar(4), n: 5, int }, 2, (t) => t !== inState);
  assert.deepEqual(taken2, [second], "an int32 value is copied (cast), not taken");
  assert.ok(first.isDisposed, "the replaced running value is freed by the accumulator");
  assert.ok(!second.isDisposed);
  int.dispose();
  inState.dispose();
  const logs = await acc.read();
  assert.deepEqual(logs, { acc: 5, held: 7, batch: (2 * 4 + 4 * 2) / 6, n: (3 * 4 + 5 * 2) / 6, int: 9 });
  acc.dispose();
  assert.ok(second.isDisposed);
  // the two tf.scalar per-batch values were the caller's to free
  assert.equal(tf.memory().numTensors, before + 2);
});

test("the same tensor under two names is taken once", async () => {
  const acc = new LogAccumulator();
  const shared = markRunning(tf.scalar(3));
  const taken = acc.add({ a: shared, b: shared }, 1, () => true);
  assert.deepEqual(taken, [shared]);
  assert.deepEqual(await acc.read(), { a: 3, b: 3 });
  acc.dispose();
});
