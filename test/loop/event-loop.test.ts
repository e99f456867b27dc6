// Long epochs must not starve the event loop: timers, I/O and signal handlers get a turn
// between batches (the kernels themselves run synchronously on the main thread).
import test from "node:test";
import assert from "node:assert/strict";
import { optimizers, tf } from "elegy-ts";
import { LinearRegression, regressionData } from "../support/models";

test("event loop: a macrotask scheduled during fit runs between every two batches", async () => {
  const { x, y } = regressionData(400);
  const model = new LinearRegression({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
  let ticks = 0;
  let running = true;
  const tick = (): void => {
    ticks++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await model.fit(x, y, { epochs: 2, batchSize: 10, verbose: 0 }); // 80 batches
  running = false;
  assert.ok(ticks >= 80, `the event loop turned ${ticks} times during 80 batches`);
  tf.dispose([x, y]);
});
