// Long epochs must not starve the event loop: timers, I/O and signal handlers get a turn once
// batches have computed for TURN_EVERY_MS (the kernels themselves run synchronously on the main
// thread). Turns come by time, not after every batch: a turn costs a few µs, a third of a
// do-nothing step.
import test from "node:test";
import assert from "node:assert/strict";
import { optimizers, tf } from "elegy-ts";
import { EventLoopTurns, TURN_EVERY_MS } from "../../src/loop/yield";
import { LinearRegression, regressionData } from "../support/models";
import { slowBatches } from "../support/slow-batches";

test("event loop: a macrotask scheduled during fit runs between every two batches that computed for a turn's time", async () => {
  const { x, y } = regressionData(100);
  const model = new LinearRegression({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
  let ticks = 0;
  let running = true;
  const tick = (): void => {
    ticks++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await model.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0, callbacks: [slowBatches()] }); // 20 batches
  running = false;
  assert.ok(ticks >= 20, `the event loop turned ${ticks} times during 20 batches`);
  tf.dispose([x, y]);
});

test("event loop: fast batches share a turn; one comes as soon as TURN_EVERY_MS have passed", async () => {
  let now = 0;
  const turns = new EventLoopTurns(() => now);
  for (const t of [0, 5, TURN_EVERY_MS - 1]) {
    now = t;
    assert.equal(turns.due(), undefined, `a turn at ${t} ms`);
  }
  now = TURN_EVERY_MS;
  let turned = false;
  setImmediate(() => (turned = true));
  const turn = turns.due();
  assert.ok(turn instanceof Promise);
  await turn;
  assert.ok(turned, "the turn let a pending macrotask run");
  // The next stretch counts from the end of that turn.
  now = 2 * TURN_EVERY_MS - 1;
  assert.equal(turns.due(), undefined);
  now = 2 * TURN_EVERY_MS;
  assert.ok(turns.due() instanceof Promise);
});

test("event loop: a fit whose batches are fast still gives a pending macrotask its turn before it ends", async () => {
  const { x, y } = regressionData(1000);
  const model = new LinearRegression({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
  let settled = false;
  let ranDuringFit: boolean | undefined;
  // 750 batches: far longer than one turn's time of computing, on any machine.
  const fit = model.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 }).finally(() => (settled = true));
  setImmediate(() => (ranDuringFit = !settled));
  await fit;
  assert.equal(ranDuringFit, true, "the macrotask waited for the whole fit");
  tf.dispose([x, y]);
});
