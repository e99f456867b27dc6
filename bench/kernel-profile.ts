// Per-kernel wall-clock timing on the active backend: every kernel registered for it is
// wrapped with a timer (kernels run synchronously on wasm and cpu, so the time is the
// kernel's own, JS glue included). Kernels that call other kernels' functions directly
// (our Conv2DBackpropFilter) are timed as one. Time outside every kernel is the engine's
// bookkeeping (tape, scopes) plus the runner's own JS.
import { tf } from "elegy-ts";

export interface KernelRow {
  kernel: string;
  /** Input shapes, e.g. "[64x784][784x300]". */
  shapes: string;
  callsPerStep: number;
  usPerStep: number;
}

const stats = new Map<string, { kernel: string; shapes: string; calls: number; ms: number }>();
let recording = false;

/** Wraps the backend's kernels (once). Call after the backend is ready. */
export function installKernelTimers(backendName = tf.getBackend()): void {
  for (const config of tf.getKernelsForBackend(backendName)) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        if (!recording) return inner(args);
        const start = performance.now();
        const out = inner(args);
        const ms = performance.now() - start;
        const shapes = Object.values(args.inputs).filter(Boolean).map((t) => `[${(t as tf.TensorInfo).shape.join("x")}]`).join("");
        const key = `${config.kernelName} ${shapes}`;
        const s = stats.get(key) ?? { kernel: config.kernelName, shapes, calls: 0, ms: 0 };
        s.calls++;
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
    .map((s) => ({ kernel: s.kernel, shapes: s.shapes, callsPerStep: s.calls / steps, usPerStep: (s.ms / steps) * 1000 }))
    .sort((a, b) => b.usPerStep - a.usPerStep);
}
