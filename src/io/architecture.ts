// What a checkpoint records about the model that saved it, and the leaf-by-leaf comparison
// that decides whether it fits another model. Pure data: no node modules.
//   className   the model's class
//   input       the init batch's x: its structure, each leaf's shape without the batch axis and dtype
//   target      the same for y (null when the init batch had none)
//   leaves      path, dtype and shape of every leaf of netParams, netStates and optimizerStates
//   module      optional: a description of the module, for tools that rebuild it without code
// Fields a later elegy-ts adds are kept as they are (and covered by the checksum).
import { tf } from "../tf";
import { ElegyCheckpointError } from "../errors";
import { TensorTree, isPlainObject, isTensor } from "../tree";
import { RNG } from "../states";
import { childPath } from "./states-codec";

export interface TensorSpec {
  shape: number[];
  dtype: string;
}
/** A batch's structure with one spec per tensor: arrays, {"$object": …}, {"$tensor": spec}, null. */
export type SpecTree = null | { $tensor: TensorSpec } | SpecTree[] | { $object: { [key: string]: SpecTree } };

/** One leaf of a States field: a tensor (dtype float32/int32/bool) or a plain value (dtype number/boolean/string). */
export interface LeafRecord {
  path: string;
  dtype: string;
  shape: number[];
}

export const ARCHITECTURE_FIELDS = ["netParams", "netStates", "optimizerStates"] as const;
export type ArchitectureField = (typeof ARCHITECTURE_FIELDS)[number];
export type LeafTables = Record<ArchitectureField, LeafRecord[]>;

export interface Architecture {
  className: string;
  input: SpecTree;
  target: SpecTree;
  leaves: LeafTables;
  module?: unknown;
  [extra: string]: unknown;
}

const TENSOR_DTYPES = new Set(["float32", "int32", "bool"]);
const PLAIN_DTYPES = new Set(["number", "boolean", "string"]);
/** Elements of one example of a recorded input; larger specs are refused before zeros are made. */
export const MAX_EXAMPLE_ELEMENTS = 1 << 26;

/** The spec of a batch tree, without the batch axis. */
export function specOf(tree: TensorTree): SpecTree {
  if (isTensor(tree)) return { $tensor: { shape: tree.shape.slice(1), dtype: tree.dtype } };
  if (Array.isArray(tree)) return tree.map((t) => specOf(t));
  if (isPlainObject(tree)) {
    const out: Record<string, SpecTree> = {};
    for (const [k, v] of Object.entries(tree)) out[k] = specOf(v as TensorTree);
    return { $object: out };
  }
  return null;
}

/** A batch of `rows` zeros with this spec. */
export function zerosOf(spec: SpecTree, rows: number): TensorTree {
  if (spec === null) return undefined;
  if (Array.isArray(spec)) return spec.map((s) => zerosOf(s, rows));
  if ("$tensor" in spec) return tf.zeros([rows, ...spec.$tensor.shape], spec.$tensor.dtype as tf.DataType);
  const out: Record<string, TensorTree> = {};
  for (const [k, v] of Object.entries(spec.$object)) out[k] = zerosOf(v, rows);
  return out;
}

/** Every leaf of a States field, by path (`netParams.linear.kernel`), in the order the field holds them. */
export function leafRecords(value: unknown, path: string, into: LeafRecord[] = []): LeafRecord[] {
  if (isTensor(value)) into.push({ path, dtype: value.dtype, shape: [...value.shape] });
  else if (typeof value === "number" || typeof value === "boolean" || typeof value === "string") into.push({ path, dtype: typeof value, shape: [] });
  else if (value instanceof RNG) into.push({ path, dtype: "rng", shape: [] });
  else if (Array.isArray(value)) value.forEach((v, i) => leafRecords(v, childPath(path, i), into));
  else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) leafRecords(v, childPath(path, k), into);
  return into;
}

export function leafTables(states: { get(field: string): unknown }): LeafTables {
  const tables = {} as LeafTables;
  for (const field of ARCHITECTURE_FIELDS) tables[field] = leafRecords(states.get(field), field);
  return tables;
}

/**
 * The differences between a model's leaves and a checkpoint's, one line each, in the model's
 * leaf order then the checkpoint's extra leaves: `netParams.linear.kernel: the checkpoint has [8, 32], this model [8, 10]`.
 */
export function leafDifferences(model: LeafTables, checkpoint: LeafTables): string[] {
  const out: string[] = [];
  for (const field of ARCHITECTURE_FIELDS) {
    const theirs = new Map(checkpoint[field].map((r) => [r.path, r]));
    const ours = new Set<string>();
    for (const mine of model[field]) {
      ours.add(mine.path);
      const saved = theirs.get(mine.path);
      if (!saved) out.push(`${mine.path}: the checkpoint has none, this model ${show(mine, false)}`);
      else if (!sameLeaf(mine, saved)) {
        const dtypes = mine.dtype !== saved.dtype;
        out.push(`${mine.path}: the checkpoint has ${show(saved, dtypes)}, this model ${show(mine, dtypes)}`);
      }
    }
    for (const saved of checkpoint[field]) {
      if (!ours.has(saved.path)) out.push(`${saved.path}: the checkpoint has ${show(saved, false)}, this model has none`);
    }
  }
  return out;
}

function sameLeaf(a: LeafRecord, b: LeafRecord): boolean {
  return a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

function show(leaf: LeafRecord, withDtype: boolean): string {
  if (!TENSOR_DTYPES.has(leaf.dtype)) return `a ${leaf.dtype}`;
  const shape = `[${leaf.shape.join(", ")}]`;
  return withDtype ? `${leaf.dtype} ${shape}` : shape;
}

/** Checks a recorded architecture's fields (after the checksum), so nothing downstream trusts a bad shape. */
export function validateArchitecture(raw: unknown, where: string): Architecture {
  const fail = (problem: string): never => {
    throw new ElegyCheckpointError(`${where} records an invalid architecture: ${problem}.`);
  };
  if (!isPlainObject(raw)) return fail("it is not an object");
  if (typeof raw.className !== "string" || raw.className.length === 0) fail("className is not a name");
  validateSpec(raw.input, "input", fail);
  validateSpec(raw.target, "target", fail);
  if (!isPlainObject(raw.leaves)) return fail("leaves is not an object");
  for (const field of ARCHITECTURE_FIELDS) {
    const list = (raw.leaves as Record<string, unknown>)[field];
    if (!Array.isArray(list)) return fail(`leaves.${field} is not a list`);
    list.forEach((leaf, i) => {
      if (!isPlainObject(leaf) || typeof leaf.path !== "string" || typeof leaf.dtype !== "string" || (!TENSOR_DTYPES.has(leaf.dtype) && !PLAIN_DTYPES.has(leaf.dtype) && leaf.dtype !== "rng")) {
        fail(`leaves.${field}[${i}] is not a { path, dtype, shape } record`);
      }
      if (!validShape((leaf as Record<string, unknown>).shape)) fail(`leaves.${field}[${i}] has an invalid shape`);
    });
  }
  return raw as Architecture;
}

function validateSpec(spec: unknown, path: string, fail: (problem: string) => never): void {
  if (spec === null) return;
  if (Array.isArray(spec)) return spec.forEach((s, i) => validateSpec(s, `${path}[${i}]`, fail));
  if (!isPlainObject(spec) || Object.keys(spec).length !== 1) return fail(`${path} is not a spec`);
  if ("$object" in spec) {
    if (!isPlainObject(spec.$object)) return fail(`${path} is not a spec`);
    for (const [k, v] of Object.entries(spec.$object)) validateSpec(v, childPath(path, k), fail);
    return;
  }
  const t = spec.$tensor;
  if (!isPlainObject(t) || typeof t.dtype !== "string" || !TENSOR_DTYPES.has(t.dtype) || !validShape(t.shape)) return fail(`${path} is not a { shape, dtype } spec`);
  const elements = (t.shape as number[]).reduce((a, b) => a * b, 1);
  if (elements > MAX_EXAMPLE_ELEMENTS) fail(`${path} declares ${elements} elements per example, more than ${MAX_EXAMPLE_ELEMENTS}`);
}

function validShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.length <= 8 && shape.every((d) => Number.isSafeInteger(d) && d >= 0);
}
