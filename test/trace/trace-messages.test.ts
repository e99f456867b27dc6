// ELEGY_TRACE=1 tells, per model, which steps are replayed and why others run eagerly; a model
// with steps of its own says once why none of them is replayed.
import test from "node:test";
import assert from "node:assert/strict";
import { Model, losses, nn, optimizers, tf } from "elegy-ts";
import { LinearRegression, regressionData } from "../support/models";

async function traced(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stderr.write;
  process.env.ELEGY_TRACE = "1";
  process.stderr.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    await run();
  } finally {
    process.stderr.write = write;
    delete process.env.ELEGY_TRACE;
  }
  return lines.filter((l) => l.startsWith("elegy-ts:") && l.includes(" steps"));
}

test("ELEGY_TRACE: steps of a model's own run eagerly, said once; the built-in chain says it is replayed", async () => {
  const { x, y } = regressionData(256);
  const own = await traced(async () => {
    const model = new LinearRegression({ optimizer: optimizers.sgd(0.01), backend: "cpu" });
    await model.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
    model.dispose();
  });
  assert.deepEqual(own, [
    "elegy-ts: LinearRegression's steps all run eagerly: it has steps of its own (LinearRegression.test (@testStep)), which are replayed only with runEagerly: false.\n",
  ]);
  const builtIn = await traced(async () => {
    const model = new Model({ module: new nn.Linear(1), loss: losses.meanSquaredError(), optimizer: optimizers.sgd(0.01), backend: "cpu" });
    await model.fit(x, y.reshape([-1, 1]), { epochs: 1, batchSize: 32, verbose: 0 });
    model.dispose();
  });
  assert.deepEqual(builtIn, ["elegy-ts: Model's fit steps on [32,4] batches are replayed (27 kernels a step).\n"]);
  tf.dispose([x, y]);
});
