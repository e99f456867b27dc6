// Per-kernel wall-clock timing on the active backend: every kernel registered for it is
// wrapped with a timer (kernels run synchronously on wasm and cpu, so the time is the
// kernel's own, JS glue included). A kernel that calls another's function directly (our
// Conv2DBackpropFilter, the fused bias-act kernels' fallbacks) includes it in its own time; the
// inner one is listed too, marked `nested` ("↳ Conv2D"), and must not be added again: Σ of the
// rows that are not nested is the time in kernels. Time outside every kernel is the engine's
// bookkeeping (tape, scopes) plus the runner's own JS.
import { tf } from "elegy-ts";

// ELEGY_PROFILE_CLOCK=cpu times kernels by the process's CPU time instead of the wall clock: on a
// machine shared with other work, wall time includes the waits for a core; CPU time does not (it
// counts the native helper thread's share too, and costs ~1 µs a call).
const cpuClock = process.env.ELEGY_PROFILE_CLOCK === "cpu";
const now = cpuClock
  ? () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    }
  : () => performance.now();

export interface KernelRow {
  kernel: string;
  /** Input shapes, e.g. "[64x784][784x300]". */
  shapes: string;
  callsPerStep: number;
  usPerStep: number;
  /** The median call's µs (robust to a VM's stalls), times callsPerStep. */
  usMedianPerStep: number;
  /** Called from inside another timed kernel: its time is in that one's too. */
  nested: boolean;
}

const stats = new Map<string, { kernel: string; shapes: string; calls: number; ms: number; nested: boolean; each: number[] }>();
let recording = false;
/** How many timed kernels are running (a kernel calling another's function directly nests). */
let depth = 0;

/** Wraps the backend's kernels (once). Call after the backend is ready. */
export function installKernelTimers(backendName = tf.getBackend()): void {
  for (const config of tf.getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        if (!recording) return inner(args);
        const nested = depth > 0;
        depth++;
        const start = now();
        let out: ReturnType<typeof inner>;
        try {
          out = inner(args);
        } finally {
          depth--;
        }
        const ms = now() - start;
        const shapes = Object.values(args.inputs).filter(Boolean).map((t) => `[${(t as tf.TensorInfo).shape.join("x")}]`).join("");
        const kernel = nested ? `↳ ${config.kernelName}` : config.kernelName;
        const key = `${kernel} ${shapes}`;
        const s = stats.get(key) ?? { kernel, shapes, calls: 0, ms: 0, nested, each: [] };
        s.calls++;
        s.each.push(ms);
        s.ms += ms;
        stats.set(key, s);
        return out;
      },
    });
  }
}

export function startKernelTimers(): void {
  stats.clear();
  recording = true;
}

export function stopKernelTimers(steps: number): KernelRow[] {
  recording = false;
  return [...stats.values()]
    .map((s) => ({ kernel: s.kernel, shapes: s.shapes, callsPerStep: s.calls / steps, usPerStep: (s.ms / steps) * 1000, usMedianPerStep: median(s.each) * 1000 * (s.calls / steps), nested: s.nested }))
    .sort((a, b) => b.usPerStep - a.usPerStep);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
