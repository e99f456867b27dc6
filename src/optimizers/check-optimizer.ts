// The Model's `optimizer` option, checked when the model is made: tfjs and Keras habits (a
// tf.train optimizer, the name "adam", the factory optimizers.adam not called) would otherwise
// fail at the first batch with "optimizer.init is not a function".
import { ElegyInputError } from "../errors";
import type { Optimizer } from "../contracts";
import { SGD, sgd } from "./sgd";
import { Adam, adam } from "./adam";
import { AdamW, adamw } from "./adamw";
import { RMSprop, rmsprop } from "./rmsprop";
import { Adagrad, adagrad } from "./adagrad";

const FACTORIES = new Map<unknown, string>([[sgd, "sgd"], [adam, "adam"], [adamw, "adamw"], [rmsprop, "rmsprop"], [adagrad, "adagrad"]]);
const CLASSES = new Map<unknown, string>([[SGD, "sgd"], [Adam, "adam"], [AdamW, "adamw"], [RMSprop, "rmsprop"], [Adagrad, "adagrad"]]);
/** tf.train's optimizer classes → ours (tf.train.momentum is sgd with momentum). */
const TFJS_CLASSES: Readonly<Record<string, string>> = {
  SGDOptimizer: "sgd", MomentumOptimizer: "sgd", AdamOptimizer: "adam", RMSPropOptimizer: "rmsprop", AdagradOptimizer: "adagrad",
};
const NAMES = [...FACTORIES.values()];
const FIX = "give an optimizer from elegy-ts, e.g. optimizers.adam(1e-3)";

function isOptimizer(x: unknown): x is Optimizer {
  const o = x as Optimizer;
  return typeof x === "object" && x !== null && typeof o.init === "function" && typeof o.apply === "function" && typeof o.learningRate === "function";
}

/** The optimizer option as given, or an error naming what was given instead and the call to make. */
export function checkOptimizer(owner: string, value: unknown): Optimizer {
  if (isOptimizer(value)) return value;
  const start = `${owner}: optimizer`;
  if (typeof value === "string") {
    const name = value.toLowerCase().replace(/[_\s-]/g, "");
    const known = NAMES.includes(name) ? `optimizers.${name}(…)` : `one of optimizers.${NAMES.join(", optimizers.")}`;
    throw new ElegyInputError(`${start} is the string ${JSON.stringify(value)}; elegy-ts takes optimizer objects, not names: give ${known}, e.g. optimizers.${NAMES.includes(name) ? name : "adam"}(1e-3).`);
  }
  const factory = FACTORIES.get(value);
  if (factory !== undefined) {
    throw new ElegyInputError(`${start} is the factory optimizers.${factory} itself, not an optimizer: call it, e.g. optimizers.${factory}(1e-3) (the learning rate or an options object).`);
  }
  const cls = CLASSES.get(value);
  if (cls !== undefined) {
    throw new ElegyInputError(`${start} is the class optimizers.${(value as { name: string }).name}, not an optimizer: make one, e.g. optimizers.${cls}(1e-3).`);
  }
  const o = value as { minimize?: unknown; applyGradients?: unknown; learningRate?: unknown; constructor?: { name?: string } };
  if (typeof value === "object" && value !== null && typeof o.minimize === "function" && typeof o.applyGradients === "function") {
    const className = o.constructor?.name ?? "Optimizer";
    const ours = TFJS_CLASSES[className];
    const lr = typeof o.learningRate === "number" ? String(o.learningRate) : "1e-3";
    const use = ours === undefined ? `one of optimizers.${NAMES.join(", optimizers.")}` : `optimizers.${ours}(${ours === "sgd" && className === "MomentumOptimizer" ? `{ learningRate: ${lr}, momentum: … }` : lr})`;
    throw new ElegyInputError(
      `${start} is a tf.train optimizer (${className}), which keeps its state inside itself: use ${use} from elegy-ts, which keeps its state in States (states.optimizerStates).`,
    );
  }
  const what = value === null ? "null" : typeof value === "function" ? `a function (${(value as { name?: string }).name || "anonymous"})` : typeof value;
  throw new ElegyInputError(`${start} is ${what === "object" ? "an object without init, apply and learningRate" : what}, not an optimizer: ${FIX}.`);
}
