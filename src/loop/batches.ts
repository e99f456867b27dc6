// Cutting host data into batches: an optional shuffled row order per epoch, the last
// partial batch kept, one upload per leaf per batch.
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { TensorTree } from "../tree";
import { markHostLabels } from "../losses/label-check";
import { nativeKernels } from "#platform/native"; // the addon in Node, none in a page
import { HostArray, HostTree, countRows, hostLeaves, isHostArray, sliceRows, toHost, upload, uploadRows } from "./host-data";

export interface Batch {
  readonly x: TensorTree;
  readonly y: TensorTree | undefined;
  readonly sampleWeight: tf.Tensor | undefined;
  /** Number of examples in this batch. */
  readonly size: number;
}

/** x, y and sample weights of a whole dataset, in host memory. */
export interface HostDataset {
  readonly x: HostTree;
  readonly y: HostTree;
  readonly sampleWeight: HostArray | undefined;
  readonly rows: number;
  /** Index of the first row in the data the user gave (a validation split starts later); default 0. */
  readonly firstRow?: number;
}

export type SampleWeightInput = tf.Tensor | Float32Array | number[];

/** Reads x, y and sampleWeight once into host memory and checks they agree on the number of examples. */
export function hostDataset(x: TensorTree, y: TensorTree | undefined, sampleWeight?: SampleWeightInput): HostDataset {
  const hx = toHost(x, "x");
  const hy = y === undefined ? undefined : toHost(y, "y");
  let sw: HostArray | undefined;
  if (sampleWeight !== undefined) {
    const data = sampleWeight instanceof tf.Tensor ? sampleWeight.dataSync() : Float32Array.from(sampleWeight);
    const shape = sampleWeight instanceof tf.Tensor ? sampleWeight.shape : [data.length];
    if (shape.length !== 1) {
      throw new ElegyInputError(`sampleWeight has shape [${shape.join(",")}]; it must have shape [n]: one weight per example.`);
    }
    sw = { data: Float32Array.from(data), shape, dtype: "float32" };
  }
  const rows = countRows([[hx, "x"], [hy, "y"], [sw, "sampleWeight"]]);
  if (rows === 0) throw new ElegyInputError("x has 0 examples: there is nothing to train or evaluate on.");
  for (const [tree, name] of [[hx, "x"], [hy, "y"], [sw, "sampleWeight"]] as const) checkFinite(tree, name);
  return { x: hx, y: hy, sampleWeight: sw, rows };
}

/** NaN or ±Infinity in the data would silently poison every parameter: refuse it up front, naming the example. */
function checkFinite(tree: HostTree, name: string): void {
  for (const [path, leaf] of hostLeaves(tree, name)) {
    if (leaf.dtype !== "float32") continue;
    const data = leaf.data;
    // Fast paths: the native addon's scan; or a float64 sum of float32 values, which cannot
    // overflow and which NaN/±Infinity propagate through.
    const native = nativeKernels();
    if (native && data instanceof Float32Array) {
      if (native.allFinite(data)) continue;
    } else {
      let sum = 0;
      for (let i = 0; i < data.length; i++) sum += data[i];
      if (Number.isFinite(sum)) continue;
    }
    for (let i = 0; i < data.length; i++) {
      if (Number.isFinite(data[i])) continue;
      const example = Math.floor(i / (data.length / leaf.shape[0]));
      throw new ElegyInputError(
        `${path} contains ${data[i]} (example ${example}). Remove or impute non-finite values before training (e.g. tf.where(tf.isNaN(t), 0, t)).`,
      );
    }
  }
}

/** The number of examples in a batch of tensors (checks that x, y and sampleWeight agree, reads no data). */
export function batchRows(x: TensorTree, y: TensorTree | undefined, sampleWeight: tf.Tensor | undefined): number {
  const shapeOnly = (tree: TensorTree): HostTree => {
    if (tree instanceof tf.Tensor) return { data: new Float32Array(0), shape: tree.shape, dtype: "float32" };
    if (tree === undefined || tree === null) return undefined;
    if (Array.isArray(tree)) return tree.map(shapeOnly);
    return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, shapeOnly(v as TensorTree)]));
  };
  return countRows([[shapeOnly(x), "x"], [shapeOnly(y), "y"], [shapeOnly(sampleWeight), "sampleWeight"]]);
}

/** Splits off the last `fraction` of the examples (before any shuffling, as Keras does). */
export function splitTail(data: HostDataset, fraction: number): [HostDataset, HostDataset] {
  if (!(fraction > 0 && fraction < 1)) {
    throw new ElegyInputError(`validationSplit must be a number between 0 and 1 (exclusive), got ${fraction}.`);
  }
  // At least one example goes to validation (the cut rounds down), but training may be left with none.
  const cut = Math.floor(data.rows * (1 - fraction));
  if (cut === 0) {
    throw new ElegyInputError(`validationSplit ${fraction} of ${data.rows} examples leaves no training examples. Use more data or a smaller fraction.`);
  }
  const part = (start: number, end: number): HostDataset => ({
    x: sliceRows(data.x, start, end),
    y: sliceRows(data.y, start, end),
    sampleWeight: sliceRows(data.sampleWeight, start, end) as HostArray | undefined,
    rows: end - start,
    firstRow: (data.firstRow ?? 0) + start,
  });
  return [part(0, cut), part(cut, data.rows)];
}

export function numBatches(rows: number, batchSize: number): number {
  return Math.ceil(rows / batchSize);
}

/** Batches in row order, or in `order` (a permutation of the rows) when given. */
export function* hostBatches(data: HostDataset, batchSize: number, order?: Int32Array): Generator<Batch> {
  for (let start = 0; start < data.rows; start += batchSize) {
    const end = Math.min(start + batchSize, data.rows);
    const rows = order?.subarray(start, end);
    const cut = (tree: HostTree) => (rows ? uploadRows(tree, rows) : upload(sliceRows(tree, start, end)));
    const y = cut(data.y);
    markLabelTree(data.y, y, "y", data.firstRow ?? 0);
    yield {
      x: cut(data.x),
      y,
      sampleWeight: cut(data.sampleWeight) as tf.Tensor | undefined,
      size: end - start,
    };
  }
}

/**
 * Tells sparse losses and metrics that these batch tensors come from host labels, which they
 * then check on the host against their class count (once per dataset and class count).
 */
function markLabelTree(host: HostTree, tensors: TensorTree | undefined, path: string, firstRow: number): void {
  if (host === undefined || tensors === undefined) return;
  if (isHostArray(host)) {
    markHostLabels(tensors as tf.Tensor, host, path, firstRow);
  } else if (Array.isArray(host)) {
    host.forEach((child, i) => markLabelTree(child, (tensors as TensorTree[])[i], `${path}[${i}]`, firstRow));
  } else {
    for (const [k, child] of Object.entries(host as Record<string, HostTree>)) {
      markLabelTree(child, (tensors as Record<string, TensorTree>)[k], `${path}.${k}`, firstRow);
    }
  }
}

/** A permutation of [0, rows) from a seed (Fisher–Yates over a mulberry32 stream). */
export function shuffledOrder(rows: number, seed: number): Int32Array {
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}
