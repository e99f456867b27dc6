// The native GEMM on the shapes of bench/gemm-shapes.json, on one thread (setThreads(1)), as
// numpy_gemm.py measures numpy's BLAS: CPU time per call (this process's, which with one kernel
// thread is the calling thread's), the median of 7 batches of calls. Prints one JSON line.
//   node dist/bench/gemm.js bench/gemm-shapes.json
import * as fs from "node:fs";
import { loadNativeKernels } from "../src/backend/native/addon";

interface Shape {
  name: string;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
}

function main(): void {
  const { kernels: native, status } = loadNativeKernels();
  if (!native) throw new Error(`native kernels not loaded: ${status.detail}`);
  native.setThreads(1);
  const shapes = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as Shape[];
  const cpuSeconds = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  };
  const largest = Math.max(...shapes.flatMap((s) => [s.m * s.k, s.k * s.n, s.m * s.n]));
  const heap = new ArrayBuffer(largest * 4 * 3);
  const values = new Float32Array(heap);
  for (let i = 0; i < values.length; i++) values[i] = Math.sin(i) * 0.5;
  const [a, b, c] = [0, largest * 4, largest * 8];
  const out = shapes.map((s) => {
    const call = () => native.gemm(heap, a, b, c, 1, s.m, s.k, s.n, s.transA, s.transB, 0, 0);
    const calls = Math.max(10, Math.floor(4e7 / (2 * s.m * s.n * s.k)));
    for (let i = 0; i < calls; i++) call();
    const times: number[] = [];
    for (let rep = 0; rep < 7; rep++) {
      const start = cpuSeconds();
      for (let i = 0; i < calls; i++) call();
      times.push((cpuSeconds() - start) / calls);
    }
    const seconds = times.sort((x, y) => x - y)[3];
    return { name: s.name, us: seconds * 1e6, gflops: (2 * s.m * s.n * s.k) / seconds / 1e9 };
  });
  console.log(JSON.stringify({ isa: status.isa, shapes: out }));
}

main();
