// Nested structures of tensors ("trees", as in JAX): parameters, gradients, optimizer and
// metric states, batches. Object keys are visited in sorted order, so two trees built in a
// different key order still flatten to matching leaves.
import { tf } from "./tf";
import { ElegyInputError } from "./errors";

export type TensorTree =
  | tf.Tensor
  | undefined
  | null
  | readonly TensorTree[]
  | { readonly [key: string]: TensorTree };

/**
 * A States tree (netStates, metricsStates, optimizerStates, user fields): as in JAX pytrees, its
 * leaves may also be plain numbers, booleans and strings (step counters, flags), which the tree
 * functions carry through unchanged and checkpoints save and restore.
 */
export type StateTree =
  | tf.Tensor
  | number
  | boolean
  | string
  | undefined
  | null
  | readonly StateTree[]
  | { readonly [key: string]: StateTree };

// Read once: `tf.Tensor` goes through two module getters, and trees are walked every step.
const TensorClass = tf.Tensor;

export function isTensor(value: unknown): value is tf.Tensor {
  return value instanceof TensorClass;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function sortedKeys(obj: object): string[] {
  return Object.keys(obj).sort();
}

/** Every tensor leaf of a tree, depth first, object keys sorted. */
export function leaves(tree: StateTree): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const visit = (node: unknown): void => {
    if (isTensor(node)) out.push(node);
    else if (Array.isArray(node)) node.forEach(visit);
    else if (isPlainObject(node)) for (const k of sortedKeys(node)) visit(node[k]);
  };
  visit(tree);
  return out;
}

/** Leaves with their paths ("dense/kernel", "0/bias"), in the order of `leaves`. */
export function leafPaths(tree: StateTree): Array<[string, tf.Tensor]> {
  const out: Array<[string, tf.Tensor]> = [];
  const visit = (node: unknown, path: string): void => {
    if (isTensor(node)) out.push([path, node]);
    else if (Array.isArray(node)) node.forEach((child, i) => visit(child, path ? `${path}/${i}` : String(i)));
    else if (isPlainObject(node)) for (const k of sortedKeys(node)) visit(node[k], path ? `${path}/${k}` : k);
  };
  visit(tree, "");
  return out;
}

/** Rebuilds `tree`'s structure with new leaves, in the order `leaves(tree)` returns them. */
export function unflatten<T extends StateTree>(tree: T, newLeaves: readonly tf.Tensor[]): T {
  let i = 0;
  const build = (node: unknown): unknown => {
    if (isTensor(node)) {
      if (i >= newLeaves.length) throw new ElegyInputError(`unflatten: ${newLeaves.length} leaves given, the tree needs more.`);
      return newLeaves[i++];
    }
    if (Array.isArray(node)) return node.map(build);
    if (isPlainObject(node)) {
      const out: Record<string, unknown> = {};
      for (const k of sortedKeys(node)) out[k] = build(node[k]);
      return out;
    }
    return node;
  };
  const result = build(tree);
  if (i !== newLeaves.length) throw new ElegyInputError(`unflatten: ${newLeaves.length} leaves given, the tree has ${i}.`);
  return result as T;
}

/** Maps every leaf of a tree, keeping its structure. */
export function mapTree<T extends StateTree>(tree: T, fn: (leaf: tf.Tensor, path: string) => tf.Tensor): T {
  const paths = leafPaths(tree);
  return unflatten(tree, paths.map(([path, leaf]) => fn(leaf, path)));
}

/**
 * Leafwise sum of trees with the same paths (leaf shapes may broadcast: a zeroed scalar state
 * plus a per-class one). Merges additive running states such as metric totals and counts.
 */
export function addTrees<T extends StateTree>(trees: readonly T[], names: readonly string[] = trees.map((_, i) => `tree ${i}`)): T {
  const flat = trees.map(leafPaths);
  for (let t = 1; t < flat.length; t++) {
    const at = flat[0].findIndex(([p], i) => flat[t][i]?.[0] !== p);
    if (at >= 0 || flat[t].length !== flat[0].length) {
      throw new ElegyInputError(`${names[t]} does not have the leaves of ${names[0]}: ${describeTree(trees[t])} vs ${describeTree(trees[0])}.`);
    }
  }
  return unflatten(trees[0], flat[0].map((_, i) => flat.slice(1).reduce((sum, f) => tf.add(sum, f[i][1]), flat[0][i][1])));
}

/** A short description of a tree's structure, for error messages. */
export function describeTree(tree: unknown, depth = 0): string {
  if (isTensor(tree)) return `Tensor[${tree.shape.join(",")}] ${tree.dtype}`;
  if (tree === undefined) return "undefined";
  if (tree === null) return "null";
  if (depth > 3) return "…";
  if (Array.isArray(tree)) return `[${tree.map((t) => describeTree(t, depth + 1)).join(", ")}]`;
  if (isPlainObject(tree)) return `{ ${sortedKeys(tree).map((k) => `${k}: ${describeTree(tree[k], depth + 1)}`).join(", ")} }`;
  return typeof tree;
}

/**
 * Maps leaves of several trees of the same structure together (params, grads, moments…).
 * Throws naming the first path where the structures differ.
 */
export function zipTrees<T extends StateTree = TensorTree>(
  trees: readonly StateTree[],
  fn: (leaves: tf.Tensor[], path: string) => tf.Tensor,
  names: readonly string[] = trees.map((_, i) => `tree ${i}`),
): T {
  const flat = trees.map(leafPaths);
  for (let t = 1; t < flat.length; t++) assertSameLeaves(flat[0], flat[t], names[0], names[t]);
  return unflatten(trees[0] as T, flat[0].map(([path], i) => fn(flat.map((f) => f[i][1]), path)));
}

/** Throws naming the first leaf where two trees differ in path or shape. */
export function assertSameStructure(a: StateTree, b: StateTree, nameA: string, nameB: string): void {
  // Checked every step (params vs grads vs each optimizer slot): compare without building
  // path strings, and only work out the message when they differ.
  if (sameStructure(a, b)) return;
  assertSameLeaves(leafPaths(a), leafPaths(b), nameA, nameB);
}

/** Same nesting, same keys, same leaf shapes (what assertSameLeaves checks, minus the message). */
function sameStructure(a: unknown, b: unknown): boolean {
  if (isTensor(a)) return isTensor(b) && sameShape(a, b);
  if (isTensor(b)) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return leaves(b as StateTree).length === 0 && leaves(a as StateTree).length === 0;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameStructure(a[i], b[i])) return false;
    return true;
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    for (const k of keys) if (!(k in b) || !sameStructure(a[k], b[k])) return false;
    return true;
  }
  // Anything else holds no leaves; it matches whatever holds none either.
  return leaves(b as StateTree).length === 0;
}

function assertSameLeaves(
  first: Array<[string, tf.Tensor]>,
  other: Array<[string, tf.Tensor]>,
  nameA: string,
  nameB: string,
): void {
  const mismatch = first.findIndex(([p, leaf], i) => other[i]?.[0] !== p || !sameShape(other[i][1], leaf));
  if (mismatch < 0 && other.length === first.length) return;
  const at = mismatch >= 0 ? mismatch : Math.min(first.length, other.length);
  const a = first[at];
  const b = other[at];
  const show = (leaf: [string, tf.Tensor] | undefined) =>
    leaf ? `${leaf[0] ? `'${leaf[0]}' ` : ""}${describeTree(leaf[1])}` : "nothing";
  throw new ElegyInputError(
    `${nameB} does not match ${nameA}: at leaf ${at}, ${nameA} has ${show(a)} but ${nameB} has ${show(b)}.`,
  );
}

function sameShape(a: tf.Tensor, b: tf.Tensor): boolean {
  return a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i]);
}

/**
 * All tensors reachable from a value: trees, plain objects, arrays, and any object with a
 * `tensors()` method (States). Used for memory bookkeeping, never for math.
 */
export function collectTensors(value: unknown, into: Set<tf.Tensor> = new Set()): Set<tf.Tensor> {
  const visit = (node: unknown): void => {
    if (node === null || node === undefined) return;
    if (isTensor(node)) into.add(node);
    else if (Array.isArray(node)) node.forEach(visit);
    else if (isPlainObject(node)) Object.values(node).forEach(visit);
    else if (typeof (node as { tensors?: unknown }).tensors === "function") {
      for (const t of (node as { tensors(): Iterable<tf.Tensor> }).tensors()) into.add(t);
    }
  };
  visit(value);
  return into;
}

/** Disposes every tensor of `value` that is not in `keep` (and not already disposed). */
export function disposeExcept(value: unknown, keep: ReadonlySet<tf.Tensor>): void {
  for (const t of collectTensors(value)) if (!keep.has(t) && !t.isDisposed) t.dispose();
}
