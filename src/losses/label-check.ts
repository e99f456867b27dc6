// Sparse labels must be class indices: whole numbers from 0 to classes − 1. Out of range, they
// would silently count as loss 0 (tfjs's one-hot gives an all-zero row), and 2.7 would be
// truncated to 2. Checking must not cost a device read per batch, so:
// - labels that come from host arrays (tensors given to fit/evaluate) were scanned once on the
//   host when the data was read; their batch tensors carry that scan, compared with the class
//   count in the step at no device cost;
// - other labels (datasets, labels a step computes) are checked on the device, and the verdict
//   is read with the epoch's logs (see device-checks.ts).
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { sparseLabelCheck } from "../backend/kernels/label-check";
import { deferCheck } from "../device-checks";

/** A label leaf in host memory, as the loop read it. */
export interface HostLabels {
  readonly data: ArrayLike<number> & object;
  readonly shape: readonly number[];
}

interface HostOrigin {
  readonly labels: HostLabels;
  /** The leaf's name for messages: "y", "y.age". */
  readonly path: string;
  /** Index of the leaf's first row in the data the user gave (a validation split starts later). */
  readonly firstRow: number;
}

interface Summary {
  min: number;
  max: number;
  whole: boolean;
  /** Class counts these labels were found valid for. */
  readonly validFor: Set<number>;
}

const fromHost = new WeakMap<tf.Tensor, HostOrigin>();
const summaries = new WeakMap<object, Summary>();

/** Marks a batch tensor as cut from host labels, so sparse losses check them on the host. */
export function markHostLabels(tensor: tf.Tensor, labels: HostLabels, path: string, firstRow: number): void {
  fromHost.set(tensor, { labels, path, firstRow });
}

/**
 * What the host check of a batch cut from host labels depends on (their range and whether all
 * are whole), if it was: a recorded step is replayed only for batches whose check would pass alike.
 */
export function hostLabelsKey(tensor: tf.Tensor): string | undefined {
  const origin = fromHost.get(tensor);
  if (origin === undefined) return undefined;
  const { min, max, whole } = summaryOf(origin.labels);
  return `${min},${max},${whole}`;
}

function summaryOf(labels: HostLabels): Summary {
  let summary = summaries.get(labels.data);
  if (summary === undefined) {
    const data = labels.data;
    let min = Infinity;
    let max = -Infinity;
    let whole = true;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < min) min = v;
      if (v > max) max = v;
      if (whole && !Number.isInteger(v)) whole = false;
    }
    summary = { min, max, whole, validFor: new Set() };
    summaries.set(labels.data, summary);
  }
  return summary;
}

const isClassIndex = (v: number, classes: number) => v >= 0 && v < classes && Number.isInteger(v);

/** Numbers as the user wrote them: float32 2.7 reads back as 2.700000047…, shown as 2.7. */
function shown(value: number): string {
  return Number.isInteger(value) || !Number.isFinite(value) ? String(value) : String(Number(value.toPrecision(7)));
}

/** The message for a label that is not a class index. `where` says which label, e.g. "y example 3". */
export function badLabelMessage(owner: string, where: string, value: number, classes: number): string {
  const range = `sparse labels are class indices, whole numbers from 0 to ${classes - 1}, as the predictions have ${classes} classes`;
  let fix: string;
  if (!Number.isInteger(value)) {
    fix = "Round or fix the labels; for one-hot or probability targets use categoricalCrossentropy / categoricalAccuracy instead.";
  } else if (value < 0) {
    fix = "Negative labels are not classes: fix or drop those examples.";
  } else {
    fix = `Fix the labels (1-based? subtract 1), or give the model an output per class (${value + 1} or more).`;
  }
  return `${owner}: the label of ${where} is ${shown(value)}, but ${range}. ${fix}`;
}

/** "y example 3" (or "y example 3, element 2" for labels with more than one per example). */
function hostPosition(origin: HostOrigin, flatIndex: number): string {
  const rowSize = origin.labels.shape.slice(1).reduce((n, d) => n * d, 1);
  const row = Math.floor(flatIndex / Math.max(rowSize, 1));
  const element = rowSize > 1 ? `, element ${flatIndex - row * rowSize}` : "";
  return `${origin.path} example ${origin.firstRow + row}${element}`;
}

/** The position of a device check's flat index: "row 17" or "row 17, element 2". */
export function devicePosition(shape: readonly number[], flatIndex: number): string {
  const rowSize = shape.slice(1).reduce((n, d) => n * d, 1);
  const row = Math.floor(flatIndex / Math.max(rowSize, 1));
  return rowSize > 1 ? `row ${row}, element ${flatIndex - row * rowSize}` : `row ${row}`;
}

/**
 * Checks that `labels` (as given: before any cast) are class indices of `classes` classes.
 * `owner` names the loss or metric for the message.
 */
export function checkSparseLabels(labels: tf.Tensor, classes: number, owner: string): void {
  if (labels.size === 0) return;
  const origin = fromHost.get(labels);
  if (origin !== undefined) {
    const summary = summaryOf(origin.labels);
    if (summary.validFor.has(classes)) return;
    if (summary.whole && summary.min >= 0 && summary.max < classes) {
      summary.validFor.add(classes);
      return;
    }
    const data = origin.labels.data;
    for (let i = 0; i < data.length; i++) {
      if (!isClassIndex(data[i], classes)) throw new ElegyInputError(badLabelMessage(owner, hostPosition(origin, i), data[i], classes));
    }
    return;
  }
  const shape = [...labels.shape];
  deferCheck(sparseLabelCheck(labels, classes), (index, value, where) =>
    badLabelMessage(owner, `${devicePosition(shape, index)} of ${where ?? "yTrue"}`, value, classes),
  );
}
