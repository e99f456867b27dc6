// Watches the replicas' worker threads from outside, so the library needs no test hooks.
// Importing this module replaces worker_threads.Worker (which the library reads at each
// `new Worker`) with a subclass that counts the threads alive and starts each one through
// replica-spy-entry.js; that entry records, in shared memory, what the replica has at each
// answer: its tf.memory().numTensors and the number of commands answered. Test files only:
// never import it from a module a replica loads.
import workerThreads = require("node:worker_threads");
import * as path from "node:path";

const SPY_ENTRY = path.join(__dirname, "replica-spy-entry.js");

/** What the spy entry finds in its workerData (next to the replica's own startup data). */
export interface SpyData {
  /** The entry the library asked for. */
  readonly entry: string;
  /** [numTensors after the last answer, commands answered]. */
  readonly stats: Int32Array;
}

const alive: Array<{ readonly stats: Int32Array }> = [];

class SpiedWorker extends workerThreads.Worker {
  constructor(filename: string | URL, options: workerThreads.WorkerOptions = {}) {
    const spy: SpyData = { entry: String(filename), stats: new Int32Array(new SharedArrayBuffer(8)) };
    super(SPY_ENTRY, { ...options, workerData: { ...(options.workerData as object), spy } });
    const record = { stats: spy.stats };
    alive.push(record);
    this.once("exit", () => void alive.splice(alive.indexOf(record), 1));
  }
}
workerThreads.Worker = SpiedWorker;

/** Worker threads alive in this process. */
export function liveThreads(): number {
  return alive.length;
}

/** Per live replica thread: its tensor count at its last answer, and the commands it has answered. */
export function replicaStats(): { tensors: number[]; answered: number[] } {
  return {
    tensors: alive.map((r) => Atomics.load(r.stats, 0)),
    answered: alive.map((r) => Atomics.load(r.stats, 1)),
  };
}
