// States ↔ (JSON layout, named tensors). The layout is plain data with tagged values —
// {"$tensor": "netParams.linear.kernel"}, {"$rng": {seed, counter}}, {"$object": {...}},
// {"$number": "NaN"} — so loading only ever builds arrays, plain objects, numbers, strings,
// booleans, the rng and tensors: nothing that runs code. A tensor's name is its leaf path.
import { tf } from "../tf";
import { ElegyCheckpointError } from "../errors";
import { RNG, States } from "../states";
import { isPlainObject, isTensor } from "../tree";
import { FORBIDDEN_KEYS } from "./json-guard";

export { FORBIDDEN_KEYS };

export type Layout =
  | null | number | string | boolean | Layout[]
  | { $tensor: string | number } | { $rng: { seed: number; counter: number } } | { $object: Record<string, Layout> } | { $number: string };

/** The path of a child: `netParams.linear.kernel`, `optimizerStates.m[0]`. */
export function childPath(path: string, key: string | number): string {
  return typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

const NON_FINITE: Record<string, number> = { NaN, Infinity, "-Infinity": -Infinity };

/** The layout of every field, and the tensors by leaf path (in first-seen order). */
export function encodeStates(states: States): { layout: Record<string, Layout>; tensors: Map<string, tf.Tensor> } {
  const tensors = new Map<string, tf.Tensor>();
  const encode = (value: unknown, path: string): Layout => {
    if (value === undefined || value === null) return null;
    if (isTensor(value)) {
      if (value.isDisposed) throw new ElegyCheckpointError(`Cannot save states.${path}: the tensor was disposed.`);
      if (tensors.has(path)) {
        throw new ElegyCheckpointError(`Cannot save states.${path}: two leaves have this path (a key with '.' or '[' in it); rename the key.`);
      }
      tensors.set(path, value);
      return { $tensor: path };
    }
    if (value instanceof RNG) return { $rng: value.state };
    if (typeof value === "number") return Number.isFinite(value) ? value : { $number: String(value) };
    if (typeof value === "string" || typeof value === "boolean") return value;
    if (Array.isArray(value)) return value.map((v, i) => encode(v, childPath(path, i)));
    if (isPlainObject(value)) {
      const out: Record<string, Layout> = {};
      for (const [k, v] of Object.entries(value)) {
        if (FORBIDDEN_KEYS.has(k)) throw new ElegyCheckpointError(`Cannot save states.${path}: the key '${k}' is not allowed in a checkpoint.`);
        out[k] = encode(v, childPath(path, k));
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

/**
 * Rebuilds States from a validated layout; `tensors` maps each `$tensor` reference (a leaf
 * path; an index in the earlier format) to its tensor. Every tensor must be used exactly once.
 */
export function decodeStates(layout: unknown, tensors: ReadonlyMap<string | number, tf.Tensor>): States {
  const used = new Set<string | number>();
  const decode = (node: unknown, path: string): unknown => {
    if (node === null) return undefined;
    if (typeof node === "number" || typeof node === "string" || typeof node === "boolean") return node;
    if (Array.isArray(node)) return node.map((v, i) => decode(v, childPath(path, i)));
    if (!isPlainObject(node)) throw bad(path, "an unknown value");
    const keys = Object.keys(node);
    if (keys.length !== 1) throw bad(path, `an object with keys ${keys.join(", ") || "(none)"}`);
    const [tag] = keys;
    const body = node[tag];
    if (tag === "$tensor") {
      if ((typeof body !== "string" && typeof body !== "number") || !tensors.has(body)) throw bad(path, `the tensor reference ${JSON.stringify(body)}, which the file does not hold`);
      if (used.has(body)) throw bad(path, `tensor ${JSON.stringify(body)} used twice`);
      used.add(body);
      return tensors.get(body);
    }
    if (tag === "$rng") {
      if (!isPlainObject(body) || !Number.isInteger(body.seed) || !Number.isInteger(body.counter) || (body.counter as number) < 0) {
        throw bad(path, "an invalid rng state");
      }
      return RNG.fromState({ seed: body.seed as number, counter: body.counter as number });
    }
    if (tag === "$number") {
      if (typeof body !== "string" || !Object.prototype.hasOwnProperty.call(NON_FINITE, body)) throw bad(path, `the number ${JSON.stringify(body)}`);
      return NON_FINITE[body];
    }
    if (tag === "$object") {
      if (!isPlainObject(body)) throw bad(path, "an invalid object");
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(body)) {
        if (FORBIDDEN_KEYS.has(k)) throw bad(path, `the forbidden key '${k}'`);
        out[k] = decode(v, childPath(path, k));
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
  if (used.size !== tensors.size) throw bad("", `${tensors.size - used.size} tensor(s) that no state uses`);
  return new States(fields);
}

function bad(path: string, what: string): ElegyCheckpointError {
  return new ElegyCheckpointError(`The checkpoint's states layout is corrupt: ${path ? `states.${path} has ` : "it has "}${what}.`);
}
