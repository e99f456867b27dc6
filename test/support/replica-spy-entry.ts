// Runs in a replica's worker thread, started by replica-spy.ts: records the replica's tensor
// count and answered commands each time it publishes an answer (before the main thread can
// see the answer), then loads the entry the library asked for.
import { workerData } from "node:worker_threads";
import { Word } from "../../src/parallel/control";
import { tf } from "../../src/tf";
import type { SpyData } from "./replica-spy";

const { spy, control } = workerData as { spy: SpyData; control: Int32Array };
const store = Atomics.store;
Atomics.store = ((array: Int32Array, index: number, value: number): number => {
  if (array === control && index === Word.response) {
    store(spy.stats, 0, tf.memory().numTensors);
    store(spy.stats, 1, value);
  }
  return store(array, index, value);
}) as typeof Atomics.store;
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(spy.entry);
