// Long run: 50 epochs of the MLP on a small MNIST subset with validation and callbacks,
// sampling RSS and tf.memory().numTensors after every epoch. Prints the slopes (per epoch,
// least squares over epochs 5–50) — both should be ~0.
//   node dist/bench/long-run.js [--epochs 50] [--examples 2000] [--backend wasm]
import { parseArgs } from "node:util";
import * as path from "node:path";
import * as os from "node:os";
import { callbacks, datasets, ensureBackend, tf } from "elegy-ts";
import { mlpModel, scaled } from "../examples/mlp";

const { values } = parseArgs({ options: { epochs: { type: "string", default: "50" }, examples: { type: "string", default: "2000" }, backend: { type: "string", default: "auto" } } });

function slope(ys: number[]): number {
  const xs = ys.map((_, i) => i);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const num = xs.reduce((s, x, i) => s + (x - mx) * (ys[i] - my), 0);
  const den = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  await ensureBackend(values.backend);
  const examples = Number(values.examples);
  const { train, test } = await datasets.mnist({ trainSize: examples, testSize: 500 });
  const model = mlpModel();
  const rss: number[] = [];
  const tensors: number[] = [];
  const dir = path.join(os.tmpdir(), `elegy-long-run-${process.pid}`);
  await model.fit(scaled(train.x), train.y, {
    epochs: Number(values.epochs), batchSize: 64, verbose: 0, validationData: [scaled(test.x), test.y],
    callbacks: [
      callbacks.modelCheckpoint({ filepath: path.join(dir, "ckpt"), period: 10 }),
      callbacks.csvLogger(path.join(dir, "history.csv")),
      callbacks.lambda({ onEpochEnd: () => {
        if (global.gc) global.gc();
        rss.push(process.memoryUsage().rss / 2 ** 20);
        tensors.push(tf.memory().numTensors);
      } }),
    ],
  });
  const tail = (xs: number[]) => xs.slice(Math.min(5, xs.length - 1));
  const result = {
    epochs: rss.length,
    rssMb: { first: rss[0], last: rss.at(-1), slopePerEpoch: slope(tail(rss)) },
    numTensors: { first: tensors[0], last: tensors.at(-1), slopePerEpoch: slope(tail(tensors)) },
  };
  console.log(JSON.stringify(result, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
