// The `module` option of new Model, checked at construction: a tf.LayersModel (or a tfjs layer)
// passed as it is would otherwise fail at the first step with "module.init is not a function".
import { tf } from "../tf";
import { Module } from "../contracts";
import { ElegyInputError } from "../errors";
import { isModule } from "../nn/module";
import { describeTree } from "../tree";

const WHAT_A_MODULE_IS =
  "a module is an object with init(rng, x) → { params, states } and apply(params, states, x, ctx) → [y, states], " +
  "such as new nn.Linear(10), new nn.Sequential([...]) or new nn.MLP([...])";

/** `value` if it is a module (or undefined); otherwise an error saying what was given and what a module is. */
export function checkModuleOption(value: unknown, owner: string): Module | undefined {
  if (value === undefined || isModule(value)) return value;
  const refuse = (problem: string): never => {
    throw new ElegyInputError(`new ${owner}(): module ${problem}`);
  };
  if (value instanceof tf.LayersModel) return refuse("is a tf.LayersModel: wrap it, module: new nn.LayersAdapter(model)");
  if (value instanceof tf.layers.Layer) {
    return refuse(`is a tfjs layer (${value.getClassName()}): put it in a tf.sequential and wrap that, module: new nn.LayersAdapter(tf.sequential({ layers: [...] }))`);
  }
  if (typeof value === "function") {
    const proto = (value as { prototype?: Partial<Module> }).prototype;
    if (proto !== undefined && typeof proto.init === "function" && typeof proto.apply === "function") {
      return refuse(`is the class ${value.name}, not a module: create one, module: new ${value.name}(…)`);
    }
    return refuse(`is a function (${value.name || "anonymous"}), not a module: ${WHAT_A_MODULE_IS}; an activation goes inside an nn.Sequential.`);
  }
  const shown = typeof value === "object" && value !== null && value.constructor !== Object ? `a ${value.constructor.name}` : describeTree(value);
  return refuse(`is ${shown}, not a module: ${WHAT_A_MODULE_IS}.`);
}
