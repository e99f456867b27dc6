// The fused [Conv2D, ReLU, MaxPool2D] kernels (ElegyConv2DBiasReluMaxPool and its gradients):
// the unfused kernels' values and gradients (pooled values and the input gradient bit for bit,
// the filter and bias gradients within float rounding: the same products summed in another
// order), on every ISA path and on one thread or two alike, and the addon's argument checks.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { ensureBackend } from "../../src";
import { tf } from "../../src/tf";
import { nativeKernels, nativeStatus } from "../../src/backend/native/addon";
import { BLOCK_CASES, addonCases, allCases, blockCase } from "./conv-relu-pool-cases";

// dw sums up to 43,264 products per value in another order than the unfused kernel: float32 rounding.
const WEIGHT_TOLERANCE = 1e-4;

function skipWithoutSimd(t: { skip(message: string): void }): boolean {
  if (nativeStatus().loaded && nativeStatus().isa !== "portable") return false;
  t.skip(`needs the native addon with a vector ISA (here: ${nativeStatus().loaded ? nativeStatus().isa : nativeStatus().detail})`);
  return true;
}

function maxRelError(a: number[], b: number[]): number {
  assert.equal(a.length, b.length);
  return a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i]) / (1 + Math.abs(b[i]))), 0);
}

test("the fused block equals the unfused kernels: pooled values and the input gradient bit for bit, filter and bias gradients within rounding", async (t) => {
  if (skipWithoutSimd(t)) return;
  await ensureBackend("wasm", { log: () => undefined });
  const before = tf.memory().numTensors;
  for (const c of BLOCK_CASES) {
    const { applies, fused, plain } = blockCase(c);
    assert.ok(applies, `${c.name}: the fused kernel applies`);
    assert.equal(fused.length, plain.length);
    assert.deepEqual(fused[0], plain[0], `${c.name}: pooled values`);
    assert.ok(plain[0].some((v) => v === 0) && plain[0].some((v) => v > 0), `${c.name}: some pooled values are zero (masked), some positive`);
    assert.deepEqual(fused[1], plain[1], `${c.name}: dx`);
    for (let i = 2; i < fused.length; i++) {
      const error = maxRelError(fused[i], plain[i]);
      assert.ok(error <= WEIGHT_TOLERANCE, `${c.name}: ${i === 2 ? "dw" : "dbias"} off by ${error}`);
    }
  }
  assert.equal(tf.memory().numTensors, before, "no tensor left behind");
});

test("the addon's fused entries equal its unfused kernels (vector out-channel counts and the portable loops)", (t) => {
  if (!nativeKernels()) {
    t.skip(`native addon not available here: ${nativeStatus().detail}`);
    return;
  }
  const results = addonCases();
  assert.equal(results.length, 7);
  for (const r of results) {
    assert.ok(r.exact, `${r.name}: pooled values and the unpooled gradient bit for bit`);
    assert.ok(r.weightError <= WEIGHT_TOLERANCE, `${r.name}: dw/dbias off by ${r.weightError}`);
  }
});

type Cases = Awaited<ReturnType<typeof allCases>>;

function casesInChild(env: Record<string, string>): Cases {
  const out = spawnSync(process.execPath, [path.join(__dirname, "conv-relu-pool-cases.js")], { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout.trim().split("\n").pop()!);
}

test("on every ISA path the fused block matches the unfused kernels; AVX2 and portable in child processes", async (t) => {
  if (skipWithoutSimd(t)) return;
  const here = await allCases();
  const narrower = here.isa === "avx512" ? ["avx2", "0"] : ["0"];
  for (const simd of narrower) {
    const child = casesInChild({ ELEGY_NATIVE_SIMD: simd });
    assert.equal(child.isa, simd === "0" ? "portable" : simd);
    for (const r of child.addon) {
      assert.ok(r.exact, `ELEGY_NATIVE_SIMD=${simd}: ${r.name}: bit for bit`);
      assert.ok(r.weightError <= WEIGHT_TOLERANCE, `ELEGY_NATIVE_SIMD=${simd}: ${r.name}: dw/dbias off by ${r.weightError}`);
    }
    // AVX2 runs the block through the engine too (the pooled values are the same FMA chains, whatever the width);
    // the portable build does not fuse at all (nn.Conv2D's direct convolution needs a vector ISA).
    child.blocks.forEach((block, i) => {
      assert.equal(block.applies, simd !== "0", `ELEGY_NATIVE_SIMD=${simd}: ${block.name}: fused`);
      if (!block.applies) return;
      assert.deepEqual(block.fused[0], here.blocks[i].fused[0], `${block.name}: pooled values, ${simd} vs ${here.isa}`);
      assert.deepEqual(block.fused[1], here.blocks[i].fused[1], `${block.name}: dx, ${simd} vs ${here.isa}`);
      for (let g = 2; g < block.fused.length; g++) assert.ok(maxRelError(block.fused[g], here.blocks[i].fused[g]) <= WEIGHT_TOLERANCE, `${block.name}: weights ${simd}`);
    });
  }
});

test("one thread and two give the fused block's values and gradients bit for bit", async (t) => {
  if (skipWithoutSimd(t)) return;
  const here = await allCases();
  if (here.threads < 2) {
    t.skip("one core here: nothing to split");
    return;
  }
  const one = casesInChild({ ELEGY_NATIVE_THREADS: "1" });
  assert.equal(one.threads, 1);
  assert.deepEqual(one.blocks, here.blocks, "one thread vs two");
});

test("the fused native entries refuse overlapping windows and tensors outside the heap with exact messages", (t) => {
  const native = nativeKernels();
  if (!native) {
    t.skip(`native addon not available here: ${nativeStatus().detail}`);
    return;
  }
  const heap = new ArrayBuffer(8000);
  // x [1, 6, 6, 1] at 0 (36 floats), filter [3, 3, 1, 8] at 160 (72), out [1, 2, 2, 8] at 480 (32), winners at 640 (8 ints).
  const geometry = [1, 6, 6, 1, 3, 3, 4, 4, 1, 1, 0, 0, 1, 1];
  native.convBiasReluPool(heap, 0, 160, -1, 480, 640, ...geometry, 8, 2, 2, 2, 2, 2, 2);
  const usage = "convBiasReluPool(heap, x, filter, bias, out, winners, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW, " +
    "outChannels, pooledH, pooledW, poolH, poolW, poolStrideH, poolStrideW) with windows that do not overlap";
  assert.throws(() => native.convBiasReluPool(heap, 0, 160, -1, 480, 640, ...geometry, 8, 2, 2, 3, 3, 2, 2), { message: usage });
  assert.throws(() => native.convBiasReluPool(heap, 0, 160, -1, 480, 640, ...geometry, 8, 3, 3, 2, 2, 2, 2), { message: usage }, "windows past the conv's output");
  assert.throws(() => native.convBiasReluPool(heap, 0, 160, -1, 7900, 640, ...geometry, 8, 2, 2, 2, 2, 2, 2), { message: "convBiasReluPool: a tensor lies outside the heap" });
  assert.throws(() => native.convBiasReluPoolFilterGrad(heap, 0, 480, 480, 7990, 160, -1, ...geometry, 8, 2, 2, 2, 2, 2, 2),
    { message: "convBiasReluPoolFilterGrad: a tensor lies outside the heap" });
  assert.throws(() => native.reluPoolUnpool(heap, 480, 480, 640, 7900, ...geometry, 8, 2, 2, 2, 2, 2, 2), { message: "reluPoolUnpool: a tensor lies outside the heap" });
});
