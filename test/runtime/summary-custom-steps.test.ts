// summary() of a model with its own steps and no module lists the leaves its steps created in
// states.netParams and states.netStates (it used to throw for any such model), and errors print
// without an own `code: undefined` (or `source: undefined`) property.
import test from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { ElegyInputError, Model, States, predStep, tf } from "elegy-ts";
import { MissingParamsError } from "../../src/missing-params";

/** Two layers of its own, and a running mean of the inputs kept in netStates. */
class Blobs extends Model {
  @predStep
  forward(x: tf.Tensor2D, states: States, initializing: boolean): [tf.Tensor, States] {
    const p = initializing
      ? { hidden: { w: tf.randomNormal([4, 16], 0, 0.1, "float32", 1), b: tf.zeros([16]) }, out: { w: tf.randomNormal([16, 3], 0, 0.1, "float32", 2), b: tf.zeros([3]) } }
      : (states.netParams as { hidden: { w: tf.Tensor; b: tf.Tensor }; out: { w: tf.Tensor; b: tf.Tensor } });
    const seen = initializing ? tf.zeros([], "int32") : (states.netStates as { seen: tf.Tensor }).seen;
    const y = tf.relu(x.matMul(p.hidden.w).add(p.hidden.b)).matMul(p.out.w).add(p.out.b);
    return [y, states.update({ netParams: p, netStates: { seen: seen.add(tf.scalar(x.shape[0], "int32")) } })];
  }
}

test("summary() of a custom-step model: every netParams and netStates leaf, with shapes, dtypes, counts and totals", async () => {
  const model = new Blobs({ backend: "cpu" });
  assert.throws(() => model.summary(() => undefined), (e: Error) => {
    assert.ok(e instanceof ElegyInputError);
    assert.equal(e.message, "Blobs is not initialized: call init(x), fit, evaluate or predict first, so its steps create its parameters.");
    return true;
  });
  const x = tf.randomNormal([8, 4], 0, 1, "float32", 3);
  await model.init(x);
  let printed = "";
  const text = model.summary((t) => (printed = t));
  assert.equal(printed, text);
  const rule = "=".repeat(46);
  assert.equal(
    text,
    [
      "Model: Blobs (its own steps: the leaves of states.netParams and states.netStates)",
      rule,
      "Leaf                Shape    Dtype      Values",
      rule,
      "netParams.hidden.b  [16]     float32        16",
      "netParams.hidden.w  [4, 16]  float32        64",
      "netParams.out.b     [3]      float32         3",
      "netParams.out.w     [16, 3]  float32        48",
      "netStates.seen      []       int32           1",
      rule,
      "Total params: 131 (524 bytes)",
      "Non-trainable values (netStates): 1",
    ].join("\n"),
  );
  const tensors = tf.memory().numTensors;
  model.summary(() => undefined);
  assert.equal(tf.memory().numTensors, tensors);
  model.dispose();
  x.dispose();
});

test("errors carry no own undefined code or source: the printed error shows none", () => {
  const plain = new ElegyInputError("Something was wrong.");
  assert.equal(Object.hasOwn(plain, "code"), false);
  assert.equal(plain.code, undefined);
  assert.doesNotMatch(inspect(plain), /code: undefined/);
  const coded = new ElegyInputError("A step is wrong.", { code: 1001 });
  assert.equal(coded.code, "ELEGY1001");
  assert.match(inspect(coded), /code: 'ELEGY1001'/);
  const missing = new MissingParamsError("no params");
  assert.doesNotMatch(inspect(missing), /source: undefined/);
  assert.equal(new MissingParamsError("no params", "No params.", "gradStep").source, "gradStep");
});
