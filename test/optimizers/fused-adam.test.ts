// The fused Adam/AdamW update kernel (wasm and cpu) against the same optimizer's composed ops
// (what other backends run), over several steps, with clipping, decay and exclusions; the
// 37×29 kernel has whole SIMD blocks and a tail, so both parts of a native loop are compared.
import test from "node:test";
import assert from "node:assert/strict";
import { ensureBackend, tf } from "elegy-ts";
import { ADAM_UPDATE, registerAdamUpdate } from "../../src/backend/kernels/adam-update";
import { TensorTree, leaves } from "../../src/tree";
import * as optimizers from "../../src/optimizers";
import { Optimizer } from "../../src/contracts";
import { assertClose } from "../losses/support";

const STEPS = 5;

/** Params after STEPS updates with pseudo-random gradients, and the kernels the updates ran. */
function train(opt: Optimizer): { values: number[]; kernels: string[] } {
  const before = tf.memory().numTensors;
  let params: TensorTree = { dense: { kernel: tf.randomNormal([37, 29], 0, 1, "float32", 1), bias: tf.randomNormal([5], 0, 1, "float32", 2) } };
  let state = opt.init(params);
  const kernels: string[] = [];
  for (let i = 0; i < STEPS; i++) {
    const grads = tf.tidy(() => ({ dense: { kernel: tf.randomNormal([37, 29], 0, 1, "float32", 10 + i), bias: tf.randomNormal([5], 0, 1, "float32", 20 + i) } }));
    let next: [TensorTree, TensorTree] | undefined;
    const profile = tf.profile(() => {
      next = tf.tidy(() => opt.apply(params, grads, state) as never) as unknown as [TensorTree, TensorTree];
      return [] as tf.Tensor[];
    });
    void profile.then((p) => kernels.push(...p.kernels.map((k) => k.name)));
    tf.dispose([...leaves(params), ...leaves(state), ...leaves(grads)]);
    [params, state] = next!;
  }
  const values = leaves(params).flatMap((t) => Array.from(t.dataSync()));
  tf.dispose([...leaves(params), ...leaves(state)]);
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
  return { values, kernels };
}

const optimizersUnderTest: Array<[string, () => Optimizer]> = [
  ["adam", () => optimizers.adam(0.01)],
  ["adam custom betas, clipNorm", () => optimizers.adam({ learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1e-4, clipNorm: 1 })],
  ["adamw, bias excluded", () => optimizers.adamw({ learningRate: 0.02, weightDecay: 0.1, excludeFromWeightDecay: (p) => p.endsWith("bias") })],
];

for (const backend of ["cpu", "wasm"]) {
  for (const [name, make] of optimizersUnderTest) {
    test(`${backend}: fused ${name} update equals the composed ops over ${STEPS} steps`, async () => {
      await ensureBackend(backend, { log: () => undefined });
      const fused = train(make());
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(fused.kernels.filter((k) => k === ADAM_UPDATE).length, 2 * STEPS, "one fused kernel per leaf per step");
      assert.ok(!fused.kernels.includes("Pow"), "no composed bias correction ran");
      const config = tf.getKernel(ADAM_UPDATE, backend)!;
      tf.unregisterKernel(ADAM_UPDATE, backend);
      try {
        const composed = train(make());
        await new Promise((resolve) => setImmediate(resolve));
        assert.ok(!composed.kernels.includes(ADAM_UPDATE) && composed.kernels.includes("Pow"), "the fallback ran the composed ops");
        assertClose(fused.values, composed.values, 2e-6, name);
      } finally {
        tf.registerKernel(config);
      }
      registerAdamUpdate(backend as "cpu" | "wasm"); // no-op: already registered again
    });
  }
}
