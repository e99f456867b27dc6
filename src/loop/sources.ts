// Where batches come from: host arrays cut into batches (tensors given to fit), or a
// dataset that yields batches itself (a tf.data.Dataset, any iterable or async iterable of
// { x, y?, sampleWeight? } — tfjs' { xs, ys } convention is accepted too).
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { closestOption } from "../options-check";
import { didYouMean } from "../suggest";
import { TensorTree, collectTensors, isPlainObject, isTensor } from "../tree";
import { Batch, HostDataset, SampleWeightInput, batchRows, hostBatches, hostDataset, numBatches, shuffledOrder } from "./batches";

export interface BatchSource {
  /** Batches in one epoch when known up front. */
  readonly batchesPerEpoch: number | undefined;
  /** Examples in one epoch when known up front. */
  readonly examples: number | undefined;
  /** The batches of one epoch. `nextSeed` gives a shuffle seed (from states.rng) when the source shuffles. */
  epoch(nextSeed: () => number): Iterator<Batch> | AsyncIterator<Batch>;
}

/** Host arrays, cut into batches of `batchSize`, reshuffled every epoch when `shuffle`. */
export function hostSource(data: HostDataset, batchSize: number, shuffle: boolean): BatchSource {
  return {
    batchesPerEpoch: numBatches(data.rows, batchSize),
    examples: data.rows,
    epoch: (nextSeed) => hostBatches(data, batchSize, shuffle ? shuffledOrder(data.rows, nextSeed()) : undefined),
  };
}

/** Batches-yielding datasets: tf.data.Dataset, (async) iterables other than arrays, iterators. */
export function isBatchDataset(value: unknown): value is AsyncIterable<unknown> | Iterable<unknown> | tf.data.Dataset<tf.TensorContainer> {
  if (value === null || typeof value !== "object" || isTensor(value) || Array.isArray(value)) return false;
  // A plain object is a tree of tensors unless it is iterable (an object literal with [Symbol.asyncIterator]).
  return (
    value instanceof tf.data.Dataset ||
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function" ||
    typeof (value as Iterable<unknown>)[Symbol.iterator] === "function"
  );
}

/**
 * A dataset's batches. A tf.data.Dataset or a re-iterable object starts over each epoch;
 * an iterator (e.g. a generator) continues where the last epoch stopped, so give endless
 * ones `stepsPerEpoch`. Batch tensors are the loop's to free after each step.
 */
export function datasetSource(dataset: unknown, stepsPerEpoch: number | undefined, what: string): BatchSource {
  let shared: AsyncIterator<unknown> | Iterator<unknown> | undefined;
  const open = (): AsyncIterator<unknown> | Iterator<unknown> => {
    if (dataset instanceof tf.data.Dataset) return tfDatasetIterator(dataset);
    const asyncIterable = dataset as AsyncIterable<unknown>;
    if (typeof asyncIterable[Symbol.asyncIterator] === "function") return asyncIterable[Symbol.asyncIterator]();
    return (dataset as Iterable<unknown>)[Symbol.iterator]();
  };
  // Iterators return themselves from [Symbol.iterator]: they cannot start over.
  const restartable = (): boolean => {
    if (dataset instanceof tf.data.Dataset) return stepsPerEpoch === undefined;
    const it = dataset as { [Symbol.iterator]?: () => unknown; [Symbol.asyncIterator]?: () => unknown };
    const fresh = (it[Symbol.asyncIterator] ?? it[Symbol.iterator])!.call(dataset);
    return fresh !== dataset;
  };
  const restarts = restartable();
  let index = 0;
  return {
    batchesPerEpoch: stepsPerEpoch,
    examples: undefined,
    epoch: () => {
      if (restarts || shared === undefined) shared = open();
      const source = shared;
      return {
        next: async (): Promise<IteratorResult<Batch>> => {
          const item = await source.next();
          if (item.done) return { done: true, value: undefined };
          try {
            return { done: false, value: toBatch(item.value, `${what} batch ${index++}`) };
          } catch (error) {
            // A batch refused here never reaches a step, which would have freed its tensors.
            tf.dispose([...collectTensors(item.value)]);
            throw error;
          }
        },
      };
    },
  };
}

function tfDatasetIterator(dataset: tf.data.Dataset<tf.TensorContainer>): AsyncIterator<unknown> {
  let iterator: Promise<{ next(): Promise<IteratorResult<unknown>> }> | undefined;
  return {
    next: async () => {
      iterator ??= dataset.iterator() as unknown as Promise<{ next(): Promise<IteratorResult<unknown>> }>;
      return (await iterator).next();
    },
  };
}

/** One dataset element as a Batch: { x, y?, sampleWeight? } or tfjs' { xs, ys }. */
function toBatch(element: unknown, where: string): Batch {
  if (Array.isArray(element)) {
    // tf.data.zip([xs, ys]): a tuple, whose tensors would be read as x alone.
    throw new ElegyInputError(
      `${where}: dataset elements must be { x, y?, sampleWeight? } objects; got an array of ${element.length}. ` +
        `Zip into an object: tf.data.zip({ x: xs, y: ys }) (or map each element: dataset.map(([x, y]) => ({ x, y }))).`,
    );
  }
  if (isTensor(element)) {
    // tfjs's .batch() stacks the [x, y] pairs of tf.data.zip([xs, ys]) into one tensor.
    throw new ElegyInputError(
      `${where}: dataset elements must be { x, y?, sampleWeight? } objects; got one Tensor of shape [${element.shape.join(", ")}]. ` +
        `A tf.data.zip([xs, ys]).batch(n) stacks each [x, y] pair into one tensor: zip into an object instead, tf.data.zip({ x: xs, y: ys }).batch(n).`,
    );
  }
  if (!isPlainObject(element)) {
    throw new ElegyInputError(`${where} is not an object; dataset batches must look like { x, y?, sampleWeight? } (or tfjs' { xs, ys }).`);
  }
  const keys = Object.keys(element);
  const allowed = ["x", "y", "sampleWeight", "xs", "ys"];
  const unknown = keys.find((k) => !allowed.includes(k));
  if (unknown !== undefined) {
    throw new ElegyInputError(`${where} has the field '${unknown}'; dataset batches have the fields x, y and sampleWeight (or xs and ys).`);
  }
  const x = (element.x ?? element.xs) as TensorTree;
  const y = (element.y ?? element.ys) as TensorTree | undefined;
  const sampleWeight = element.sampleWeight as tf.Tensor | undefined;
  if (x === undefined) throw new ElegyInputError(`${where} has no x; dataset batches look like { x, y?, sampleWeight? }.`);
  checkBatched(where, { x, y, sampleWeight });
  return { x, y, sampleWeight, size: batchRows(x, y, sampleWeight) };
}

/**
 * Refuses an element with a scalar tensor: the dataset yields examples, not batches (a
 * tf.data.zip({ x, y }) without .batch(n)), and the first axis, read as the batch, is x's features.
 */
function checkBatched(where: string, parts: Record<string, TensorTree | undefined>): void {
  const shapes: string[] = [];
  let scalar = false;
  const visit = (node: unknown, path: string): void => {
    if (isTensor(node)) {
      scalar ||= node.rank === 0;
      shapes.push(node.rank === 0 ? `${path} is a scalar` : `${path} has shape [${node.shape.join(", ")}]`);
    } else if (Array.isArray(node)) node.forEach((child, i) => visit(child, `${path}[${i}]`));
    else if (isPlainObject(node)) for (const [k, child] of Object.entries(node)) visit(child, `${path}.${k}`);
  };
  for (const [name, tree] of Object.entries(parts)) visit(tree, name);
  if (!scalar) return;
  throw new ElegyInputError(
    `${where}: the dataset's elements look unbatched (${shapes.join(", ")}): its elements must be batches, with the examples on the first axis. ` +
      `Call .batch(n) on it, e.g. dataset.batch(32).`,
  );
}

/** What the public methods accept as data. */
export type DataInput = TensorTree | tf.data.Dataset<tf.TensorContainer> | Iterable<unknown> | AsyncIterable<unknown>;

/** Data given as one value (validationData, a trainer's split): a dataset, `[x, y?, sampleWeight?]` or `{ x, y?, sampleWeight? }`. */
export type DataSplit =
  | readonly [TensorTree, TensorTree?, SampleWeightInput?]
  | { x: TensorTree; y?: TensorTree; sampleWeight?: SampleWeightInput }
  | tf.data.Dataset<tf.TensorContainer>
  | Iterable<unknown>
  | AsyncIterable<unknown>;

const SPLIT_KEYS = ["x", "y", "sampleWeight"];

/**
 * A DataSplit as fit's three arguments (a dataset is x alone: its batches carry y and sampleWeight).
 * `where` names it for messages ("fit(): validationData"): a misspelt key or a fourth item would
 * otherwise be dropped silently (`weights` for sampleWeight: unweighted val_ logs).
 */
export function splitArguments(split: DataSplit, where: string): { x: DataInput; y?: TensorTree; sampleWeight?: SampleWeightInput } {
  if (isBatchDataset(split)) return { x: split };
  if (Array.isArray(split)) {
    if (split.length < 1 || split.length > 3) {
      throw new ElegyInputError(`${where} must be [x, y?, sampleWeight?], got an array of ${split.length}; or give { x, y, sampleWeight }.`);
    }
    return { x: split[0], y: split[1], sampleWeight: split[2] };
  }
  if (isPlainObject(split)) {
    const unknown = Object.keys(split).find((key) => !SPLIT_KEYS.includes(key));
    if (unknown !== undefined) {
      throw new ElegyInputError(
        `${where} has the key '${unknown}', which is none of x, y, sampleWeight.${didYouMean(closestOption(unknown, SPLIT_KEYS))} ` +
          `Give { x, y?, sampleWeight? } (or [x, y?, sampleWeight?], or a dataset).`,
      );
    }
  }
  const { x, y, sampleWeight } = split as { x: TensorTree; y?: TensorTree; sampleWeight?: SampleWeightInput };
  return { x, y, sampleWeight };
}

export const DATASET_WITH_BATCH_SIZE = (method: string, batchSize: number): string =>
  `${method}(): x is a dataset, which yields its own batches, so batchSize (${batchSize}) must be left out: it would be ignored. ` +
  `Batch the dataset itself (e.g. dataset.batch(${batchSize}) for a tf.data.Dataset, or yield batches of ${batchSize} from your iterable), ` +
  `or pass tensors and ${method}() cuts them into batches of batchSize.`;

/** A source for fit/evaluate/predict arguments, with the host dataset when the data is tensors. */
export function sourceFor(
  method: string,
  x: DataInput,
  y: TensorTree | undefined,
  options: { batchSize: number; batchSizeGiven?: boolean; shuffle: boolean; sampleWeight?: SampleWeightInput; stepsPerEpoch?: number },
): { source: BatchSource; host?: HostDataset } {
  if (isBatchDataset(x)) {
    // As Keras: a dataset's batches are its own, so a batchSize would be silently ignored.
    if (options.batchSizeGiven) throw new ElegyInputError(DATASET_WITH_BATCH_SIZE(method, options.batchSize));
    if (y !== undefined) {
      throw new ElegyInputError(`${method}(): x is a dataset, so y must be left out: the dataset's batches carry their own y.`);
    }
    if (options.sampleWeight !== undefined) {
      throw new ElegyInputError(`${method}(): x is a dataset, so sampleWeight must come with its batches ({ x, y, sampleWeight }), not as an option.`);
    }
    return { source: datasetSource(x, options.stepsPerEpoch, method) };
  }
  const host = hostDataset(x as TensorTree, y, options.sampleWeight);
  return { source: hostSource(host, options.batchSize, options.shuffle), host };
}
