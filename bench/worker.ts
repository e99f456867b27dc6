// One measurement in a process of its own (so peak RSS and start-up belong to one runner):
//   node dist/bench/worker.js --model mlp --runner elegy-fit --backend wasm --examples 12800
// Prints one JSON line with the timings.
import * as fs from "node:fs";
import { Session } from "node:inspector";
import { parseArgs } from "node:util";
import { Model, States, backends, datasets, ensureBackend, optimizers, tf, trainStep, type Logs } from "elegy-ts";
import { installKernelTimers, startKernelTimers, stopKernelTimers, type KernelRow } from "./kernel-profile";
import { BenchModel, HandWrittenMLP, ReplicatedCNN, ReplicatedMLP, elegyDefault, handForward, handVariables, layersModel } from "./models";

const { values: args } = parseArgs({
  options: {
    /** Rows per step (with replicas, of the whole batch, split across the threads). */
    batch: { type: "string", default: "64" },
    /** Also report the test accuracy after training (elegy-ts runners), to compare runs at other batch sizes. */
    "test-accuracy": { type: "boolean", default: false },
    model: { type: "string", default: "mlp" },
    runner: { type: "string", default: "elegy-fit" },
    backend: { type: "string", default: "auto" },
    examples: { type: "string", default: "12800" },
    /** Time every kernel of the timed epoch (adds a little overhead per kernel). */
    profile: { type: "boolean", default: false },
    /** Write a V8 CPU profile of the timed epoch only to this file. */
    "cpu-prof": { type: "string" },
  },
});
const BATCH = Number(args.batch);
const model = args.model as BenchModel;
const examples = Number(args.examples);

let firstStepAt: number | undefined;
/** Starts the clock of the timed epoch (and the kernel timers when profiling). */
const session = args["cpu-prof"] ? new Session() : undefined;
const post = (method: string) => new Promise<unknown>((resolve, reject) => session!.post(method, (error, result) => (error ? reject(error) : resolve(result))));
/** CPU time of this process at the start of the timed epoch (robust to other processes' load). */
let cpuAtStart = 0;
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
function startTimed(): number {
  if (args.profile) startKernelTimers();
  cpuAtStart = cpuMs();
  if (session) {
    session.connect();
    session.post("Profiler.enable");
    session.post("Profiler.start");
  }
  wallAtStart = performance.now();
  return wallAtStart;
}
let wallAtStart = 0;
let timed: { seconds: number; cpuSeconds: number; kernels: KernelRow[] | undefined } | undefined;
/** Stops the clock of the timed epoch: its wall and CPU seconds, and the kernel timings. */
function stopTimed(steps: number): void {
  timed = {
    seconds: (performance.now() - wallAtStart) / 1000,
    cpuSeconds: (cpuMs() - cpuAtStart) / 1000,
    kernels: args.profile ? stopKernelTimers(steps) : undefined,
  };
}
async function stopCpuProfile(): Promise<void> {
  if (!session) return;
  const { profile } = (await post("Profiler.stop")) as { profile: object };
  fs.writeFileSync(args["cpu-prof"]!, JSON.stringify(profile));
}
const markFirstStep = () => (firstStepAt ??= performance.now() / 1000);

function shuffled(n: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * (c) The hand-written loop: host batches, tf.variableGrads, tf.train.adam. With `logs`, it also
 * keeps what fit reports for the epoch — the mean loss and the accuracy, summed on the device and
 * read once at the end — so that it does the same job as fit; without, it computes the loss only.
 */
function handEpoch(vars: tf.Variable[], optimizer: tf.Optimizer, x: Float32Array, y: Int32Array, n: number, seed: number, logs: boolean): void {
  const order = shuffled(n, seed);
  const row = 784;
  let lossSum: tf.Tensor | undefined = logs ? tf.keep(tf.scalar(0)) : undefined;
  let correct: tf.Tensor | undefined = logs ? tf.keep(tf.scalar(0)) : undefined;
  for (let start = 0; start < n; start += BATCH) {
    const rows = order.subarray(start, Math.min(start + BATCH, n));
    const xb = new Float32Array(rows.length * row);
    const yb = new Int32Array(rows.length);
    rows.forEach((r, i) => {
      xb.set(x.subarray(r * row, (r + 1) * row), i * row);
      yb[i] = y[r];
    });
    const xt = tf.tensor2d(xb, [rows.length, row]);
    const yt = tf.tensor1d(yb, "int32");
    tf.tidy(() => {
      let logits: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        // kept past variableGrads' own scope, for the accuracy
        logits = logs ? tf.keep(handForward(model, vars, xt)) : handForward(model, vars, xt);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(yt, 10), logits) as tf.Scalar;
      }, vars);
      optimizer.applyGradients(grads);
      if (logs) {
        const [previousLoss, previousCorrect] = [lossSum!, correct!];
        lossSum = tf.keep(previousLoss.add(value.mul(rows.length)));
        correct = tf.keep(previousCorrect.add(tf.equal(tf.argMax(logits!, -1), yt).sum()));
        tf.dispose([previousLoss, previousCorrect, logits!]);
      }
    });
    tf.dispose([xt, yt]);
    markFirstStep();
  }
  if (logs) {
    const [loss, accuracy] = [lossSum!.dataSync()[0] / n, correct!.dataSync()[0] / n];
    if (!Number.isFinite(loss) || !(accuracy >= 0)) throw new Error(`hand loop logs: loss ${loss}, accuracy ${accuracy}`);
    tf.dispose([lossSum!, correct!]);
  }
}

/** A model whose step does nothing: what remains is the framework's per-step cost. */
class Noop extends Model {
  @trainStep
  step(states: States): [Logs, States] {
    return [{}, states];
  }
}

async function main(): Promise<void> {
  const backend = await ensureBackend(args.backend, { log: () => undefined });
  if (args.profile) installKernelTimers();
  if (args.runner === "overhead") {
    // As for the other runners, a steady epoch: the second of two, after fit's one-off set-up and the JIT's warm-up.
    const steps = examples;
    const x = tf.zeros([steps, 1]);
    const noop = new Noop();
    const { callbacks } = await import("elegy-ts");
    await noop.fit(x, undefined, {
      batchSize: 1, epochs: 2, verbose: 0, shuffle: false,
      callbacks: [callbacks.lambda({ onEpochBegin: (epoch) => void (epoch === 1 && startTimed()), onEpochEnd: (epoch) => void (epoch === 1 && stopTimed(steps)) })],
    });
    await stopCpuProfile();
    const { seconds, cpuSeconds } = timed!;
    console.log(JSON.stringify({ model: "noop", runner: "overhead", backend: backend.name, steps, seconds, usPerStep: (seconds / steps) * 1e6, cpuUsPerStep: (cpuSeconds / steps) * 1e6 }));
    return;
  }
  const { train } = await datasets.mnist({ trainSize: examples, testSize: 1 });
  const shape = model === "cnn" ? [examples, 28, 28, 1] : [examples, 28, 28];
  const x = tf.tidy(() => train.x.div(255).reshape(shape));
  const y = train.y;
  // Every runner trains two epochs over the same examples and times the second: a steady-state
  // epoch, after one-off work (fit's read of x to the host, a replica thread's start-up and
  // warm-up, tfjs-layers' graph building, JIT) that the first epoch absorbs.
  const steps = Math.ceil(examples / BATCH);
  const steadyEpoch = (epoch: number) => {
    if (epoch === 1) startTimed();
  };
  const steadyEpochEnd = (epoch: number) => {
    if (epoch === 1) stopTimed(steps);
  };
  let startupSeconds: number | undefined;
  let testAccuracy: number | undefined;
  let peakRssMb: number | undefined;
  if (args.runner === "elegy-fit" || args.runner === "elegy-fit-eager" || args.runner === "elegy-steps" || args.runner === "elegy-fit-2replicas") {
    const replicas = args.runner === "elegy-fit-2replicas" ? 2 : 1;
    if (replicas === 2 && model === "linear") throw new Error("elegy-fit-2replicas runs the mlp and cnn models");
    const m =
      replicas === 2 ? (model === "mlp" ? new ReplicatedMLP() : new ReplicatedCNN())
      : args.runner === "elegy-fit" ? elegyDefault(model)
      : args.runner === "elegy-fit-eager" ? elegyDefault(model, { runEagerly: true })
      : new HandWrittenMLP({ optimizer: optimizers.adam(1e-3) });
    const { callbacks } = await import("elegy-ts");
    const calledAt = performance.now();
    await m.fit(x, y, {
      epochs: 2, batchSize: BATCH, verbose: 0, ...(replicas > 1 ? { replicas } : {}),
      callbacks: [callbacks.lambda({
        // with replicas, the thread's start-up is what fit does before training begins
        onTrainBegin: () => void (startupSeconds = replicas > 1 ? (performance.now() - calledAt) / 1000 : undefined),
        onTrainBatchEnd: () => void markFirstStep(),
        onEpochBegin: steadyEpoch,
        onEpochEnd: steadyEpochEnd,
      })],
    });
    if (args["test-accuracy"]) {
      // Peak RSS is the training's: read before the test set is loaded.
      peakRssMb = process.resourceUsage().maxRSS / 1024;
      const { test } = await datasets.mnist({ trainSize: 1, testSize: 10000 });
      const testX = tf.tidy(() => test.x.div(255).reshape([test.x.shape[0], ...shape.slice(1)]));
      testAccuracy = (await m.evaluate(testX, test.y, { batchSize: 1000, verbose: 0 })).sparse_categorical_accuracy;
      tf.dispose([testX, test.x, test.y]);
    }
  } else if (args.runner === "hand" || args.runner === "hand-loss-only") {
    const vars = handVariables(model);
    const optimizer = tf.train.adam(1e-3);
    const xHost = x.dataSync() as Float32Array;
    const yHost = y.dataSync() as Int32Array;
    for (const epoch of [0, 1]) {
      steadyEpoch(epoch);
      handEpoch(vars, optimizer, xHost, yHost, examples, epoch + 1, args.runner === "hand");
      steadyEpochEnd(epoch);
    }
  } else if (args.runner === "layers") {
    const m = layersModel(model);
    await m.fit(x, y.toFloat(), {
      epochs: 2, batchSize: BATCH, verbose: 0, shuffle: true,
      callbacks: {
        onBatchEnd: async () => void markFirstStep(),
        onEpochBegin: async (epoch) => steadyEpoch(epoch),
        onEpochEnd: async (epoch) => steadyEpochEnd(epoch),
      },
    });
  } else {
    throw new Error(`unknown runner ${args.runner}`);
  }
  await stopCpuProfile();
  const { seconds, cpuSeconds, kernels } = timed!;
  console.log(JSON.stringify({
    model, runner: args.runner, backend: backend.name, examples, batch: BATCH, steps, seconds, startupSeconds, testAccuracy,
    native: backends.nativeKernelStatus().loaded, nativeThreads: backends.nativeKernelStatus().threads, msPerStep: (seconds / steps) * 1000, cpuMsPerStep: (cpuSeconds / steps) * 1000, firstStepAt, peakRssMb: peakRssMb ?? process.resourceUsage().maxRSS / 1024, kernels,
  }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
