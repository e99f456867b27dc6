// Long run: 50 epochs of the MLP on a small MNIST subset with validation and callbacks,
// sampling RSS and tf.memory().numTensors after every epoch. Prints the slopes (per epoch,
// least squares over epochs 5–50) — both should be ~0 — plus the JS heap and the wasm heap.
//   node dist/bench/long-run.js [--epochs 50] [--examples 2000] [--backend wasm]
import { parseArgs } from "node:util";
import * as path from "node:path";
import * as os from "node:os";
import { callbacks, datasets, ensureBackend, tf } from "elegy-ts";
import { mlpModel, scaled } from "../examples/mlp";

const { values } = parseArgs({ options: { epochs: { type: "string", default: "50" }, examples: { type: "string", default: "2000" }, backend: { type: "string", default: "auto" } } });

/** Size of the wasm backend's linear memory (it only grows), or 0 on other backends. */
function wasmMemoryMb(): number {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return (backend.wasm?.HEAPU8?.byteLength ?? 0) / 2 ** 20;
}

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
  const heap: number[] = [];
  const wasmHeap: number[] = [];
  const tensors: number[] = [];
  const dir = path.join(os.tmpdir(), `elegy-long-run-${process.pid}`);
  await model.fit(scaled(train.x), train.y, {
    epochs: Number(values.epochs), batchSize: 64, verbose: 0, validationData: [scaled(test.x), test.y],
    callbacks: [
      callbacks.modelCheckpoint({ filepath: path.join(dir, "ckpt"), period: 10 }),
      callbacks.csvLogger(path.join(dir, "history.csv")),
      callbacks.lambda({ onEpochEnd: () => {
        if (global.gc) global.gc();
        const usage = process.memoryUsage();
        rss.push(usage.rss / 2 ** 20);
        heap.push(usage.heapUsed / 2 ** 20);
        wasmHeap.push(wasmMemoryMb());
        tensors.push(tf.memory().numTensors);
      } }),
    ],
  });
  const tail = (xs: number[]) => xs.slice(Math.min(5, xs.length - 1));
  const result = {
    epochs: rss.length,
    // RSS climbs while V8 and the allocator warm up; a leak would keep the second half rising too.
    rssMb: { first: rss[0], last: rss.at(-1), slopePerEpoch: slope(tail(rss)), secondHalfSlopePerEpoch: slope(rss.slice(rss.length >> 1)) },
    jsHeapMb: { first: heap[0], last: heap.at(-1), slopePerEpoch: slope(tail(heap)) },
    wasmHeapMb: { first: wasmHeap[0], last: wasmHeap.at(-1), slopePerEpoch: slope(tail(wasmHeap)) },
    numTensors: { first: tensors[0], last: tensors.at(-1), slopePerEpoch: slope(tail(tensors)) },
  };
  console.log(JSON.stringify(result, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
