// States ↔ (JSON layout, list of tensors). The layout is plain data with tagged values —
// {"$tensor": i}, {"$rng": {seed, counter}}, {"$object": {...}} — so loading only ever
// builds arrays, plain objects, numbers, strings and tensors: nothing that runs code.
import { tf } from "../tf";
import { ElegyCheckpointError } from "../errors";
import { RNG, States } from "../states";
import { isPlainObject, isTensor } from "../tree";

export type Layout = null | number | string | boolean | Layout[] | { $tensor: number } | { $rng: { seed: number; counter: number } } | { $object: Record<string, Layout> };

/** Object keys that could reach a prototype if a loader assigned them carelessly. */
export const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

export function encodeStates(states: States): { layout: Record<string, Layout>; tensors: tf.Tensor[] } {
  const tensors: tf.Tensor[] = [];
  const encode = (value: unknown, path: string): Layout => {
    if (value === undefined || value === null) return null;
    if (isTensor(value)) {
      if (value.isDisposed) throw new ElegyCheckpointError(`Cannot save states.${path}: the tensor was disposed.`);
      tensors.push(value);
      return { $tensor: tensors.length - 1 };
    }
    if (value instanceof RNG) return { $rng: value.state };
    if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
    if (Array.isArray(value)) return value.map((v, i) => encode(v, `${path}[${i}]`));
    if (isPlainObject(value)) {
      const out: Record<string, Layout> = {};
      for (const [k, v] of Object.entries(value)) {
        if (FORBIDDEN_KEYS.has(k)) throw new ElegyCheckpointError(`Cannot save states.${path}: the key '${k}' is not allowed in a checkpoint.`);
        out[k] = encode(v, `${path}.${k}`);
      }
      return { $object: out };
    }
    throw new ElegyCheckpointError(
      `Cannot save states.${path}: it is ${typeof value === "object" ? `a ${(value as object).constructor?.name ?? "object"}` : `a ${typeof value}`}. ` +
        "Checkpoints hold tensors, numbers, strings, booleans, arrays and plain objects only.",
    );
  };
  const layout: Record<string, Layout> = {};
  for (const [field, value] of Object.entries(states.fields())) layout[field] = encode(value, field);
  return { layout, tensors };
}

/** Rebuilds States from a validated layout and its tensors (by index). */
export function decodeStates(layout: unknown, tensors: readonly tf.Tensor[]): States {
  const used = new Set<number>();
  const decode = (node: unknown, path: string): unknown => {
    if (node === null) return undefined;
    if (typeof node === "number" || typeof node === "string" || typeof node === "boolean") return node;
    if (Array.isArray(node)) return node.map((v, i) => decode(v, `${path}[${i}]`));
    if (!isPlainObject(node)) throw bad(path, "an unknown value");
    const keys = Object.keys(node);
    if (keys.length !== 1) throw bad(path, `an object with keys ${keys.join(", ") || "(none)"}`);
    const [tag] = keys;
    const body = node[tag];
    if (tag === "$tensor") {
      if (typeof body !== "number" || !Number.isInteger(body) || body < 0 || body >= tensors.length) throw bad(path, `tensor index ${String(body)}`);
      if (used.has(body)) throw bad(path, `tensor ${body} used twice`);
      used.add(body);
      return tensors[body];
    }
    if (tag === "$rng") {
      if (!isPlainObject(body) || !Number.isInteger(body.seed) || !Number.isInteger(body.counter) || (body.counter as number) < 0) {
        throw bad(path, "an invalid rng state");
      }
      return RNG.fromState({ seed: body.seed as number, counter: body.counter as number });
    }
    if (tag === "$object") {
      if (!isPlainObject(body)) throw bad(path, "an invalid object");
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(body)) {
        if (FORBIDDEN_KEYS.has(k)) throw bad(path, `the forbidden key '${k}'`);
        out[k] = decode(v, `${path}.${k}`);
      }
      return out;
    }
    throw bad(path, `the unknown tag '${tag}'`);
  };
  if (!isPlainObject(layout)) throw bad("", "no states object");
  const fields: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(layout)) {
    if (FORBIDDEN_KEYS.has(field)) throw bad(field, `the forbidden field '${field}'`);
    fields[field] = decode(value, field);
  }
  if (used.size !== tensors.length) throw bad("", `${tensors.length - used.size} tensor(s) that no state uses`);
  return new States(fields);
}

function bad(path: string, what: string): ElegyCheckpointError {
  return new ElegyCheckpointError(`The checkpoint's states layout is corrupt: ${path ? `states.${path} has ` : "it has "}${what}.`);
}
