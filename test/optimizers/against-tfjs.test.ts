// Our functional optimizers against tfjs's own tf.train.* on the same problem, step by step.
import test from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/tf";
import { TensorTree, leaves, unflatten } from "../../src/tree";
import * as optimizers from "../../src/optimizers";
import { Optimizer } from "../../src/contracts";
import { assertClose, assertNoLeak, tidy, useCpu } from "../losses/support";

test.before(useCpu);

const STEPS = 6;

/** A small regression problem with two parameter tensors of different ranks. */
function problem() {
  const x = tf.tensor2d([[1, 2, 3], [0.5, -1, 2], [-2, 0.3, 1], [0.1, 0.2, -0.7]]);
  const y = tf.tensor2d([[1, 0], [0, 1], [2, -1], [0.5, 0.5]]);
  const init = { w: tf.tensor2d([[0.1, -0.2], [0.3, 0.05], [-0.4, 0.2]]), b: tf.tensor1d([0.01, -0.03]) };
  const loss = (w: tf.Tensor, b: tf.Tensor) => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), y))) as tf.Scalar;
  return { x, y, init, loss };
}

/** Final params after STEPS updates by tfjs's stateful optimizer. */
function runTfjs(make: () => tf.Optimizer): number[][] {
  const { x, y, init, loss } = problem();
  const w = tf.variable(init.w.clone());
  const b = tf.variable(init.b.clone());
  const opt = make();
  for (let i = 0; i < STEPS; i++) opt.minimize(() => loss(w, b), false, [w, b]);
  const out = [Array.from(w.dataSync()), Array.from(b.dataSync())];
  tf.dispose([x, y, init.w, init.b, w, b]);
  opt.dispose();
  return out;
}

/** Final params after STEPS updates by our functional optimizer, every step in a tidy. */
function runOurs(opt: Optimizer): number[][] {
  const { x, y, init, loss } = problem();
  let params: TensorTree = { w: init.w, b: init.b };
  let state = tidy(() => opt.init(params));
  for (let i = 0; i < STEPS; i++) {
    const [nextParams, nextState] = tidy(() => {
      const { grads } = tf.valueAndGrads((b: tf.Tensor, w: tf.Tensor) => loss(w, b))(leaves(params));
      return opt.apply(params, unflatten(params, grads), state);
    });
    tf.dispose([...leaves(params), ...leaves(state)]);
    [params, state] = [nextParams, nextState];
  }
  const p = params as { w: tf.Tensor; b: tf.Tensor };
  const out = [Array.from(p.w.dataSync()), Array.from(p.b.dataSync())];
  tf.dispose([x, y, ...leaves(params), ...leaves(state)]);
  return out;
}

function compare(name: string, ours: Optimizer, theirs: () => tf.Optimizer, tol = 1e-5) {
  test(`${name} matches tfjs over ${STEPS} steps, without leaking`, () => {
    const expected = runTfjs(theirs);
    let actual: number[][] = [];
    assertNoLeak(() => (actual = runOurs(ours)));
    assertClose(actual.flat(), expected.flat(), tol, name);
    // The problem actually moved the params (a no-op optimizer would fail here).
    assert.ok(Math.abs(actual[0][0] - 0.1) > 1e-4);
  });
}

compare("sgd", optimizers.sgd(0.05), () => tf.train.sgd(0.05));
compare("sgd default lr 0.01", optimizers.sgd(), () => tf.train.sgd(0.01));
compare("adam", optimizers.adam(0.01), () => tf.train.adam(0.01));
compare("adam custom betas", optimizers.adam({ learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }), () => tf.train.adam(0.02, 0.8, 0.99, 1e-6));
compare("sgd momentum", optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), () => tf.train.momentum(0.05, 0.9));
compare("sgd nesterov", optimizers.sgd({ learningRate: 0.05, momentum: 0.8, nesterov: true }), () => tf.train.momentum(0.05, 0.8, true));
compare("rmsprop", optimizers.rmsprop(0.01), () => tf.train.rmsprop(0.01, 0.9, 0, 1e-7));
compare("rmsprop momentum", optimizers.rmsprop({ learningRate: 0.01, rho: 0.8, momentum: 0.5 }), () => tf.train.rmsprop(0.01, 0.8, 0.5, 1e-7));
compare("adagrad", optimizers.adagrad(0.1), () => tf.train.adagrad(0.1));
compare("adagrad initial accumulator", optimizers.adagrad({ learningRate: 0.05, initialAccumulatorValue: 0.5 }), () => tf.train.adagrad(0.05, 0.5));
