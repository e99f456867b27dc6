import test from "node:test";
import assert from "node:assert/strict";
import { callbacks, optimizers, tf } from "elegy-ts";
import { LinearRegression, regressionData } from "../support/models";

function capture(isTTY: boolean): { output: { write(t: string): void; isTTY: boolean; columns: number }; text: () => string } {
  let text = "";
  return { output: { write: (t: string) => void (text += t), isTTY, columns: 200 }, text: () => text };
}

async function fitWith(bar: InstanceType<typeof callbacks.ProgressBar>): Promise<void> {
  const { x, y } = regressionData(64);
  const model = new LinearRegression({ optimizer: optimizers.adam(0.1), backend: "cpu" });
  await model.fit(x, y, { verbose: 0, epochs: 2, batchSize: 16, validationSplit: 0.25, callbacks: [bar] });
  tf.dispose([x, y]);
}

test("progress bar on a terminal: redraws in place with the bar, step count, time per step and logs", async () => {
  const { output, text } = capture(true);
  await fitWith(new callbacks.ProgressBar({ verbose: 1, output, intervalMs: 0 }));
  const out = text();
  assert.match(out, /^Epoch 1\/2\n/);
  assert.match(out, /\r1\/3 ━{7} {13} \d+s \d+(us|ms)\/step\x1b\[K/, "first redraw: 1 of 3 steps");
  assert.match(out, /\r3\/3 ━{20} \d+s \d+(us|ms)\/step - loss: \d+\.\d{4} - lr: 0\.1000 - val_loss: \d+\.\d{4}\x1b\[K\n/, "final line with val_ logs");
  assert.match(out, /\nEpoch 2\/2\n/);
});

test("progress bar when stdout is not a terminal: one plain line per epoch, no escapes", async () => {
  const { output, text } = capture(false);
  await fitWith(new callbacks.ProgressBar({ verbose: 1, output }));
  const lines = text().trimEnd().split("\n");
  assert.equal(lines.length, 4);
  assert.equal(lines[0], "Epoch 1/2");
  assert.match(lines[1], /^3\/3 ━{20} \d+s \d+(us|ms)\/step - loss: \d+\.\d{4} - lr: 0\.1000 - val_loss: \d+\.\d{4}$/);
  assert.ok(!text().includes("\r") && !text().includes("\x1b"));
});

test("progress bar verbose 2: Keras' one-line epoch summary", async () => {
  const { output, text } = capture(true);
  await fitWith(new callbacks.ProgressBar({ verbose: 2, output }));
  const lines = text().trimEnd().split("\n");
  assert.match(lines[1], /^3\/3 - \d+s - \d+(us|ms)\/step - loss: /);
});
