// new Model({ module }) refuses what is not a module at construction, saying what it is and what
// to give instead (a tf.LayersModel used to fail at the first step: "module.init is not a function").
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyInputError, Model, nn, tf } from "elegy-ts";

function refused(module: unknown, message: string): void {
  assert.throws(() => new Model({ module: module as never }), (error: Error) => {
    assert.ok(error instanceof ElegyInputError, error.constructor.name);
    assert.equal(error.message, message);
    return true;
  });
}

const MODULE = "a module is an object with init(rng, x) → { params, states } and apply(params, states, x, ctx) → [y, states], " +
  "such as new nn.Linear(10), new nn.Sequential([...]) or new nn.MLP([...])";

test("a tf.LayersModel, a tfjs layer, a module class and other values are refused as module, each with its fix", () => {
  const tfModel = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  refused(tfModel, "new Model(): module is a tf.LayersModel: wrap it, module: new nn.LayersAdapter(model)");
  refused(tf.layers.dense({ units: 2 }), "new Model(): module is a tfjs layer (Dense): put it in a tf.sequential and wrap that, module: new nn.LayersAdapter(tf.sequential({ layers: [...] }))");
  refused(nn.Linear, "new Model(): module is the class Linear, not a module: create one, module: new Linear(…)");
  refused(nn.relu, `new Model(): module is a function (relu), not a module: ${MODULE}; an activation goes inside an nn.Sequential.`);
  refused({ init: () => ({}) }, `new Model(): module is { init: function }, not a module: ${MODULE}.`);
  refused("mlp", `new Model(): module is string, not a module: ${MODULE}.`);
  class Net extends Model {}
  assert.throws(() => new Net({ module: tfModel as never }), { message: "new Net(): module is a tf.LayersModel: wrap it, module: new nn.LayersAdapter(model)" });
  // What is accepted: a module, the wrapped tf model, or none.
  assert.ok(new Model({ module: new nn.LayersAdapter(tfModel) }));
  assert.ok(new Model({ module: new nn.Linear(2) }));
  assert.ok(new Model({}));
  tfModel.dispose();
});
