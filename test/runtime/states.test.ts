import test from "node:test";
import assert from "node:assert/strict";
import { States, RNG, tf, ElegyInputError } from "elegy-ts";

test("States: fields read as properties and with get(); unset fields read as undefined", () => {
  const w = tf.scalar(1);
  const s = new States({ netParams: [w], step: 3 });
  assert.equal(s.netParams && (s.netParams as tf.Tensor[])[0], w);
  assert.equal(s.step, 3);
  assert.equal(s.get("step"), 3);
  assert.equal(s.netStates, undefined);
  assert.equal(s.get("nothing"), undefined);
  w.dispose();
});

test("States: update returns a new States and never changes the old one", () => {
  const a = new States({ step: 1, name: "a" });
  const b = a.update({ step: 2 });
  assert.notEqual(a, b);
  assert.equal(a.step, 1);
  assert.equal(b.step, 2);
  assert.equal(b.name, "a");
  assert.throws(() => {
    (a as unknown as { step: number }).step = 5;
  }, TypeError);
  assert.equal(a.step, 1);
});

test("States: maybeUpdate replaces only fields that are undefined", () => {
  const a = new States({ step: 1 });
  const b = a.maybeUpdate({ step: 9, epoch: 4 });
  assert.equal(b.step, 1);
  assert.equal(b.epoch, 4);
  const c = b.update({ epoch: undefined }).maybeUpdate({ epoch: 7 });
  assert.equal(c.epoch, 7);
});

test("States: a field may not shadow a States method", () => {
  assert.throws(() => new States({ update: 1 }), {
    name: "ElegyInputError",
    message: "'update' cannot be a States field: it is the name of a States method. Choose another field name.",
  });
  assert.ok(new ElegyInputError("x") instanceof Error);
});

test("States.tensors() finds tensors in every field, nested", () => {
  const a = tf.scalar(1), b = tf.scalar(2), c = tf.scalar(3);
  const s = new States({ netParams: { dense: [a, b] }, custom: { deep: { c } } });
  assert.deepEqual(new Set(s.tensors()), new Set([a, b, c]));
  tf.dispose([a, b, c]);
});

test("RNG: seeded, deterministic, restorable from its state, splits into independent streams", () => {
  const a = new RNG(42), b = new RNG(42), c = new RNG(43);
  const seqA = [a.next(), a.next(), a.next()];
  assert.deepEqual(seqA, [b.next(), b.next(), b.next()]);
  assert.notDeepEqual(seqA, [c.next(), c.next(), c.next()]);
  for (const v of seqA) assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 31);
  const restored = RNG.fromState(a.state);
  assert.equal(restored.next(), a.next());
  const child = a.split();
  assert.notEqual(child.next(), a.next());
  assert.throws(() => new RNG(1.5), /RNG seed must be an integer/);
});
