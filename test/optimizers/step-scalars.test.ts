// The optimizer's per-step scalars (lr, t, next step, lr scale) in one kernel on wasm and
// cpu, against the composed ops: same params, same states, same learningRate() logs, with
// constant rates, schedules, a changed lr scale and a state without one.
import test from "node:test";
import assert from "node:assert/strict";
import { ensureBackend, optimizers, tf } from "elegy-ts";
import { OPTIMIZER_STEP } from "../../src/backend/kernels/optimizer-step";
import { ADAM_UPDATE } from "../../src/backend/kernels/adam-update";
import { Optimizer } from "../../src/contracts";
import { TensorTree, leaves } from "../../src/tree";
import { assertClose } from "../losses/support";
import { kernelsOf, withoutKernels } from "../support/kernels";

const STEPS = 4;

type State = { step: tf.Scalar; slots: TensorTree; lrScale?: tf.Scalar };

/** Params, state leaves and the logged rate after each of STEPS updates. */
function train(opt: Optimizer, lrScale: "kept" | "halved at step 2" | "absent"): number[][] {
  const before = tf.memory().numTensors;
  let params: TensorTree = { w: tf.randomNormal([3, 2], 0, 1, "float32", 1), b: tf.randomNormal([2], 0, 1, "float32", 2) };
  let state = opt.init(params) as unknown as State;
  if (lrScale === "absent") {
    state.lrScale!.dispose();
    delete state.lrScale;
  }
  const out: number[][] = [];
  for (let i = 0; i < STEPS; i++) {
    if (lrScale === "halved at step 2" && i === 2) {
      // as ReduceLROnPlateau: a new scale tensor in the state
      const old = state.lrScale!;
      state = { ...state, lrScale: tf.mul(old, 0.5) as tf.Scalar };
      old.dispose();
    }
    const grads = tf.tidy(() => ({ w: tf.randomNormal([3, 2], 0, 1, "float32", 10 + i), b: tf.randomNormal([2], 0, 1, "float32", 20 + i) }));
    const [nextParams, nextState, lr] = tf.tidy(() => {
      const [p, s] = opt.apply(params, grads, state as unknown as TensorTree);
      return [p, s, opt.learningRate(s)] as unknown as tf.TensorContainer;
    }) as unknown as [TensorTree, State, tf.Scalar];
    tf.dispose([...leaves(params), ...leaves(state as unknown as TensorTree), ...leaves(grads)]);
    [params, state] = [nextParams, nextState];
    out.push([...leaves(params).flatMap((t) => Array.from(t.dataSync())), ...leaves(state as unknown as TensorTree).flatMap((t) => Array.from(t.dataSync())), lr.dataSync()[0]]);
    assert.equal(state.step.dtype, "int32");
    lr.dispose();
  }
  tf.dispose([...leaves(params), ...leaves(state as unknown as TensorTree)]);
  assert.equal(tf.memory().numTensors, before, "no tensor leaked");
  return out;
}

const cases: Array<[string, () => Optimizer]> = [
  ["adam, constant rate", () => optimizers.adam(0.01)],
  ["sgd with momentum", () => optimizers.sgd({ learningRate: 0.1, momentum: 0.9 })],
  ["rmsprop", () => optimizers.rmsprop(0.01)],
  ["adam, exponential decay", () => optimizers.adam(optimizers.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 }))],
];

for (const backend of ["cpu", "wasm"]) {
  for (const [name, make] of cases) {
    for (const scale of ["kept", "halved at step 2", "absent"] as const) {
      test(`${backend}: ${name}, lr scale ${scale}: the fused step scalars give the composed ops' params, states and lr logs`, async () => {
        await ensureBackend(backend, { log: () => undefined });
        const fused = train(make(), scale);
        const reference = await withoutKernels([OPTIMIZER_STEP], () => train(make(), scale));
        fused.forEach((v, i) => assertClose(v, reference[i], 1e-6, `${name} step ${i}`));
      });
    }
  }

  test(`${backend}: with a constant rate, the step's bookkeeping is one kernel and the lr log none`, async () => {
    await ensureBackend(backend, { log: () => undefined });
    const opt = optimizers.adam(0.01);
    const params = { w: tf.ones([3, 2]) };
    const grads = { w: tf.fill([3, 2], 0.5) };
    const state = opt.init(params);
    const before = tf.memory().numTensors;
    tf.engine().startScope();
    let next: TensorTree = {};
    const ran = await kernelsOf(() => void ([, next] = opt.apply(params, grads, state)));
    const afterApply = await kernelsOf(() => void opt.learningRate(next));
    tf.engine().endScope();
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(ran.filter((k) => k !== ADAM_UPDATE), [OPTIMIZER_STEP], ran.join(" "));
    assert.deepEqual(afterApply, [], "learningRate(next state) reuses this update's rate");
    tf.dispose([params.w, grads.w, ...leaves(state)]);
  });
}
