// The `callbacks` option of fit, evaluate and predict. tfjs-layers takes plain objects of hooks
// (`{ onEpochEnd(epoch, logs) { … } }`); they are accepted here too, as a callbacks.lambda of the
// same hooks. Only hook names are allowed (any other key would never be called): tfjs-layers'
// batch hooks and Keras' snake_case names are refused with the name to use.
import { ElegyInputError } from "../errors";
import { closestOption } from "../options-check";
import { didYouMean } from "../suggest";
import { Callback } from "./callback";
import { LAMBDA_HOOKS, LambdaCallback } from "./lambda";

/** tfjs-layers' hooks whose name or arguments differ here. */
const TFJS_HOOKS: Readonly<Record<string, string>> = {
  onBatchBegin: "it is onTrainBatchBegin(batch, info) here, and it gets info, not logs: await info.readLogs() reads the epoch's running logs",
  onBatchEnd: "it is onTrainBatchEnd(batch, info) here, and it gets info, not logs: await info.readLogs() reads the epoch's running logs",
  onYield: "elegy-ts has no such hook: use onTrainBatchEnd(batch, info)",
};

export type CallbackHooks = Partial<Pick<Callback, (typeof LAMBDA_HOOKS)[number]>>;

/** The callbacks `method` was given, with plain hook objects made into callbacks. */
export function toCallbacks(method: string, given: unknown): Callback[] {
  if (given === undefined || given === null) return [];
  if (!Array.isArray(given)) {
    throw new ElegyInputError(`${method}(): callbacks must be a list, got ${describe(given)}: give [callback, …], e.g. callbacks: [callbacks.earlyStopping()].`);
  }
  return given.map((c: unknown, i) => {
    if (c instanceof Callback || (typeof c === "object" && c !== null && typeof (c as Callback).setModel === "function")) return c as Callback;
    const where = `${method}(): callbacks[${i}]`;
    if (typeof c !== "object" || c === null || Array.isArray(c)) {
      const fix = typeof c === "function" && /^[a-z]/.test(c.name) ? ` (the factory callbacks.${c.name} itself? call it: callbacks.${c.name}(…))` : "";
      throw new ElegyInputError(`${where} is ${describe(c)}${fix}, not a callback: give a callback (callbacks.earlyStopping(…), …) or an object of hooks ({ onEpochEnd(epoch, logs) { … } }).`);
    }
    for (const key of Object.keys(c)) {
      if ((LAMBDA_HOOKS as readonly string[]).includes(key)) {
        if (typeof (c as Record<string, unknown>)[key] !== "function") throw new ElegyInputError(`${where}.${key} must be a function, got ${describe((c as Record<string, unknown>)[key])}.`);
        continue;
      }
      const tfjs = TFJS_HOOKS[key];
      if (tfjs !== undefined) throw new ElegyInputError(`${where} has the tfjs-layers hook '${key}': ${tfjs}.`);
      throw new ElegyInputError(
        `${where} has the key '${key}', which is no hook.${didYouMean(closestOption(key, LAMBDA_HOOKS))} An object of hooks may hold only hooks: ${LAMBDA_HOOKS.join(", ")}. Keep other state outside it, or subclass Callback.`,
      );
    }
    return new LambdaCallback(c as CallbackHooks);
  });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "function") return `a function (${value.name || "anonymous"})`;
  if (typeof value === "object") return `an object (${(value as object).constructor?.name ?? "Object"})`;
  return typeof value === "string" ? `the string ${JSON.stringify(value)}` : `${typeof value} ${String(value)}`;
}
