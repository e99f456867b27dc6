// Training data lives on the host as typed arrays; a batch is uploaded as one tensor per
// leaf. (On wasm, slicing 64 rows out of the 60k MNIST tensor costs ~130 ms; uploading a
// subarray ~2 ms.) Tensors given to fit/evaluate/predict are read back once, here.
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { TensorTree, isPlainObject, isTensor } from "../tree";
import { wasmTensorOfRows } from "../backend/wasm/upload-rows";

type HostTypedArray = Float32Array | Int32Array | Uint8Array;

export interface HostArray {
  readonly data: HostTypedArray;
  readonly shape: readonly number[];
  readonly dtype: "float32" | "int32" | "bool";
}

export type HostTree = HostArray | undefined | readonly HostTree[] | { readonly [key: string]: HostTree };

export function isHostArray(value: unknown): value is HostArray {
  return typeof value === "object" && value !== null && ArrayBuffer.isView((value as HostArray).data) && Array.isArray((value as HostArray).shape);
}

/** Reads every tensor of a tree into host memory (one read per leaf, once per fit call). */
export function toHost(tree: TensorTree, what: string): HostTree {
  const visit = (node: unknown, path: string): HostTree => {
    if (isTensor(node)) {
      if (node.dtype === "string" || node.dtype === "complex64") {
        throw new ElegyInputError(`${path} is a ${node.dtype} tensor; elegy-ts trains on float32, int32 or bool tensors. Convert it first.`);
      }
      if (node.rank === 0) {
        throw new ElegyInputError(`${path} is a scalar; it needs a first dimension of examples, e.g. shape [n, ...].`);
      }
      return { data: node.dataSync() as HostTypedArray, shape: node.shape, dtype: node.dtype as HostArray["dtype"] };
    }
    if (node === undefined || node === null) return undefined;
    if (Array.isArray(node)) return node.map((child, i) => visit(child, `${path}[${i}]`));
    if (isPlainObject(node)) {
      const out: Record<string, HostTree> = {};
      for (const k of Object.keys(node)) out[k] = visit(node[k], `${path}.${k}`);
      return out;
    }
    throw new ElegyInputError(
      `${path} is ${describeValue(node)}; expected a Tensor or a nested object/array of Tensors. Wrap arrays with tf.tensor(...).`,
    );
  };
  return visit(tree, what);
}

function describeValue(value: unknown): string {
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return typeof value === "object" ? `an object (${(value as object).constructor?.name ?? "Object"})` : `a ${typeof value}`;
}

/** Every leaf with its path. */
export function hostLeaves(tree: HostTree, path: string): Array<[string, HostArray]> {
  if (tree === undefined) return [];
  if (isHostArray(tree)) return [[path, tree]];
  if (Array.isArray(tree)) return tree.flatMap((child, i) => hostLeaves(child, `${path}[${i}]`));
  return Object.entries(tree as Record<string, HostTree>).flatMap(([k, child]) => hostLeaves(child, `${path}.${k}`));
}

/** The number of examples (first dimension) shared by every leaf of every tree given. */
export function countRows(trees: ReadonlyArray<[HostTree, string]>): number {
  let rows: number | undefined;
  let first = "";
  for (const [tree, name] of trees) {
    for (const [path, leaf] of hostLeaves(tree, name)) {
      const n = leaf.shape[0];
      if (rows === undefined) {
        rows = n;
        first = path;
      } else if (n !== rows) {
        throw new ElegyInputError(
          `${path} has ${n} examples but ${first} has ${rows}: every input, target and weight needs the same first dimension.`,
        );
      }
    }
  }
  if (rows === undefined) throw new ElegyInputError(`No data: ${trees.map(([, n]) => n).join(" and ")} hold no tensors.`);
  return rows;
}

/** The tree with each host array replaced by fn(leaf): host arrays again, or tensors. */
function mapHost(tree: HostTree, fn: (leaf: HostArray) => HostArray): HostTree;
function mapHost(tree: HostTree, fn: (leaf: HostArray) => tf.Tensor): TensorTree;
function mapHost(tree: HostTree, fn: (leaf: HostArray) => HostArray | tf.Tensor): unknown {
  if (tree === undefined) return undefined;
  if (isHostArray(tree)) return fn(tree);
  if (Array.isArray(tree)) return tree.map((child) => mapHost(child, fn as (leaf: HostArray) => HostArray));
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(tree as Record<string, HostTree>)) out[k] = mapHost(child, fn as (leaf: HostArray) => HostArray);
  return out;
}

/** Rows [start, end) without copying (typed-array views). */
export function sliceRows(tree: HostTree, start: number, end: number): HostTree {
  return mapHost(tree, (leaf) => {
    const rowSize = leaf.data.length / leaf.shape[0];
    return { data: leaf.data.subarray(start * rowSize, end * rowSize), shape: [end - start, ...leaf.shape.slice(1)], dtype: leaf.dtype };
  });
}

/** The given rows, copied in order into new host arrays. */
export function gatherRows(tree: HostTree, rows: ArrayLike<number>): HostTree {
  return mapHost(tree, (leaf) => {
    const rowSize = leaf.data.length / leaf.shape[0];
    const out = new (leaf.data.constructor as { new (n: number): HostTypedArray })(rows.length * rowSize);
    for (let i = 0; i < rows.length; i++) {
      const from = rows[i] * rowSize;
      out.set(leaf.data.subarray(from, from + rowSize), i * rowSize);
    }
    return { data: out, shape: [rows.length, ...leaf.shape.slice(1)], dtype: leaf.dtype };
  });
}

/** The given rows uploaded as tensors (gatherRows then upload, without the intermediate arrays on wasm). */
export function uploadRows(tree: HostTree, rows: ArrayLike<number>): TensorTree {
  return mapHost(tree, (leaf) => {
    const rowSize = leaf.data.length / leaf.shape[0];
    const shape = [rows.length, ...leaf.shape.slice(1)];
    return wasmTensorOfRows(leaf.data, rowSize, rows, shape, leaf.dtype) ?? (upload(gatherRows(leaf, rows)) as tf.Tensor);
  });
}

/** Uploads host arrays as tensors, keeping the structure. */
export function upload(tree: HostTree): TensorTree {
  return mapHost(tree, (leaf) => tf.tensor(leaf.data, leaf.shape as number[], leaf.dtype));
}
