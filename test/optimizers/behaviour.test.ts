// Optimizer behaviour beyond tfjs parity: state shape, immutability, AdamW's decay, clipping,
// schedules and the logged learning rate.
import test from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/tf";
import { TensorTree, leafPaths, leaves } from "../../src/tree";
import * as optimizers from "../../src/optimizers";
import { Optimizer } from "../../src/contracts";
import { assertClose, assertNoLeak, tidy, useCpu, value } from "../losses/support";

test.before(useCpu);

/** One update of `opt` from a fresh state; returns the new params' values. */
function oneStep(opt: Optimizer, params: Record<string, tf.Tensor>, grads: Record<string, tf.Tensor>): Record<string, number[]> {
  return tf.tidy(() => {
    const [next] = opt.apply(params, grads, opt.init(params));
    const out: Record<string, number[]> = {};
    for (const [path, leaf] of leafPaths(next)) out[path] = Array.from(leaf.dataSync());
    return out;
  });
}

test("state: a step counter and one slot tree per moment, shaped like the params; inputs are never changed", () => {
  assertNoLeak(() => tf.tidy(() => {
    const opt = optimizers.adam(0.1);
    const params = { dense: { kernel: tf.ones([2, 3]), bias: tf.zeros([3]) } };
    const state = opt.init(params) as { step: tf.Tensor; slots: Record<string, TensorTree> };
    assert.equal(state.step.dtype, "int32");
    assert.deepEqual(Object.keys(state.slots), ["m", "v"]);
    assert.deepEqual(leafPaths(state.slots.m).map(([p, t]) => `${p}:${t.shape}`), ["dense/bias:3", "dense/kernel:2,3"]);
    const grads = { dense: { kernel: tf.fill([2, 3], 0.5), bias: tf.ones([3]) } };
    const [next, nextState] = opt.apply(params, grads, state);
    assertClose(params.dense.kernel, tf.ones([2, 3]), 0);
    assertClose(state.step, 0, 0);
    assertClose((nextState as { step: tf.Tensor }).step, 1, 0);
    // First Adam step moves each param by lr·sign(g) (up to ε).
    assertClose((next as typeof params).dense.kernel, tf.fill([2, 3], 0.9), 1e-5);
  }));
});

test("mismatched grads are reported with the leaf that differs", () => {
  tf.tidy(() => {
    const opt = optimizers.sgd(0.1);
    const params = { a: tf.ones([2]) };
    assert.throws(() => opt.apply(params, { a: tf.ones([3]) }, opt.init(params)), /grads does not match params: at leaf 0/);
    assert.throws(() => opt.apply(params, { a: tf.ones([2]) }, {}), /optimizer state must be \{ step, slots \}/);
  });
});

test("adamw = adam plus lr·weightDecay·param decay; excluded paths are not decayed", () => {
  const params = () => ({ kernel: tf.tensor1d([2, -1]), bias: tf.tensor1d([3]) });
  const grads = () => ({ kernel: tf.tensor1d([0.5, 0.1]), bias: tf.tensor1d([0.2]) });
  const adam = tf.tidy(() => oneStep(optimizers.adam(0.1), params(), grads()));
  const adamw = tf.tidy(() => oneStep(optimizers.adamw({ learningRate: 0.1, weightDecay: 0.5 }), params(), grads()));
  assertClose(adamw.kernel, adam.kernel.map((v, i) => v - 0.1 * 0.5 * [2, -1][i]), 1e-6);
  assertClose(adamw.bias, [adam.bias[0] - 0.1 * 0.5 * 3], 1e-6);
  const excluded = tf.tidy(() => oneStep(optimizers.adamw({ learningRate: 0.1, weightDecay: 0.5, excludeFromWeightDecay: (p) => p.endsWith("bias") }), params(), grads()));
  assertClose(excluded.bias, adam.bias, 1e-7);
  assertClose(excluded.kernel, adamw.kernel, 1e-7);
});

test("centered rmsprop follows Keras: lr·g / sqrt(v − avg_g² + ε)", () => {
  const out = tf.tidy(() => oneStep(optimizers.rmsprop({ learningRate: 0.1, rho: 0.9, centered: true }), { w: tf.tensor1d([1]) }, { w: tf.tensor1d([2]) }));
  const v = 0.1 * 4;
  const avg = 0.1 * 2;
  assertClose(out.w, [1 - (0.1 * 2) / Math.sqrt(v - avg * avg + 1e-7)], 1e-6);
});

test("clipping: clipValue per element, clipNorm per gradient, globalClipNorm over all; only one at a time", () => {
  const params = () => ({ a: tf.zeros([2]), b: tf.zeros([1]) });
  const grads = () => ({ a: tf.tensor1d([3, 4]), b: tf.tensor1d([12]) });
  const sgd = (o: optimizers.SGDOptions) => tf.tidy(() => oneStep(optimizers.sgd({ learningRate: 1, ...o }), params(), grads()));
  const byValue = sgd({ clipValue: 3.5 });
  assertClose(byValue.a, [-3, -3.5]);
  assertClose(byValue.b, [-3.5]);
  const byNorm = sgd({ clipNorm: 1 });
  assertClose(byNorm.a, [-0.6, -0.8], 1e-6); // ‖a‖ = 5
  assertClose(byNorm.b, [-1], 1e-6);
  const global = sgd({ globalClipNorm: 6.5 }); // ‖(3,4,12)‖ = 13
  assertClose(global.a, [-1.5, -2], 1e-6);
  assertClose(global.b, [-6], 1e-6);
  const untouched = sgd({ globalClipNorm: 100 });
  assertClose(untouched.a, [-3, -4], 1e-6);
  assert.throws(() => optimizers.sgd({ clipNorm: 1, clipValue: 1 }), /only one of clipValue, clipNorm, globalClipNorm/);
});

test("schedules follow Keras' formulas at several steps", () => {
  const at = (s: optimizers.Schedule, step: number) => value(() => s(tf.scalar(step)))[0];
  const exp = optimizers.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
  assertClose([0, 5, 10, 25].map((s) => at(exp, s)), [0.1, 0.1 * Math.pow(0.5, 0.5), 0.05, 0.1 * Math.pow(0.5, 2.5)], 1e-6);
  const stair = optimizers.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
  assertClose([9, 10, 25].map((s) => at(stair, s)), [0.1, 0.05, 0.025], 1e-6);
  const cos = optimizers.cosineDecay({ initialLearningRate: 1, decaySteps: 100, alpha: 0.1 });
  const keras = (s: number) => 0.9 * 0.5 * (1 + Math.cos((Math.PI * Math.min(s, 100)) / 100)) + 0.1;
  assertClose([0, 25, 50, 100, 200].map((s) => at(cos, s)), [0, 25, 50, 100, 200].map(keras), 1e-6);
  const warm = optimizers.cosineDecay({ initialLearningRate: 0, warmupTarget: 1, warmupSteps: 10, decaySteps: 100 });
  assertClose([0, 5, 10, 60, 110].map((s) => at(warm, s)), [0, 0.5, 1, 0.5, 0], 1e-6);
  const linear = optimizers.linearWarmup({ warmupSteps: 4, to: 0.2 });
  assertClose([0, 1, 4, 9].map((s) => at(linear, s)), [0, 0.05, 0.2, 0.2], 1e-6);
  const piecewise = optimizers.piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
  assertClose([0, 10, 11, 20, 21].map((s) => at(piecewise, s)), [1, 1, 0.5, 0.5, 0.1], 1e-6);
  assert.throws(() => optimizers.piecewiseConstantDecay({ boundaries: [1], values: [1] }), /one more value than boundaries/);
});

test("a schedule drives the updates and learningRate(state) reports the rate of the next update", () => {
  assertNoLeak(() => {
    const opt = optimizers.sgd(optimizers.piecewiseConstantDecay({ boundaries: [0], values: [1, 0.1] }));
    let params: TensorTree = { w: tf.scalar(0) };
    let state: TensorTree = tidy(() => opt.init(params));
    assertClose(value(() => opt.learningRate(state)), 1, 1e-7);
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [p, s] = tidy(() => opt.apply(params, { w: tf.scalar(-1) }, state));
      tf.dispose([...leaves(params), ...leaves(state)]);
      [params, state] = [p, s];
      seen.push((params as { w: tf.Tensor }).w.dataSync()[0]);
    }
    assertClose(seen, [1, 1.1, 1.2], 1e-6);
    assertClose(value(() => opt.learningRate(state)), 0.1, 1e-7);
    tf.dispose([...leaves(params), ...leaves(state)]);
  });
});
