// Accuracy metrics (Keras): the running, weighted fraction of correct predictions.
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { checkOneHotTargets, isClassIndicesForScores, matchRank, sparseLabels } from "../losses/functions";
import { canSparseTop1Hits, sparseTop1Hits } from "../backend/kernels/sparse-accuracy";
import { MeanMetric } from "./mean-metric";
import { checkOptionKeys, optionKeys } from "../options-check";
import { METRIC_OPTIONS, MetricOptions } from "./metric";

/**
 * Exact equality of targets and predictions (e.g. already-decoded class predictions). Class
 * indices ([n] or [n, 1]) against class scores [n, c] are scored as sparseCategoricalAccuracy,
 * as Keras' "accuracy" picks the sparse form for such labels.
 */
export function accuracy(options: MetricOptions = {}): MeanMetric {
  checkOptionKeys("metrics.accuracy", options, METRIC_OPTIONS);
  const name = options.name ?? "accuracy";
  return new MeanMetric("accuracy", (yTrue, yPred) => {
    if (isClassIndicesForScores(yTrue, yPred)) return sparseHits(sparseLabels(yTrue, yPred, name), yPred);
    const [t, p] = matchRank(yTrue, yPred);
    return tf.cast(tf.equal(tf.cast(t, "float32"), tf.cast(p, "float32")), "float32");
  }, options, METRIC_OPTIONS);
}

export interface BinaryAccuracyOptions extends MetricOptions {
  /** A prediction above this counts as 1 (default 0.5). */
  threshold?: number;
}

export const BINARY_ACCURACY_OPTIONS = optionKeys<BinaryAccuracyOptions>()([...METRIC_OPTIONS, "threshold"]);

/** 0/1 targets against probabilities; mean over the last axis per sample. */
export function binaryAccuracy(options: BinaryAccuracyOptions = {}): MeanMetric {
  checkOptionKeys("metrics.binaryAccuracy", options, BINARY_ACCURACY_OPTIONS);
  const threshold = options.threshold ?? 0.5;
  return new MeanMetric("binary_accuracy", (yTrue, yPred) => {
    let [t, p] = matchRank(tf.cast(yTrue, "float32"), tf.cast(yPred, "float32"));
    if (p.rank <= 1) [t, p] = [tf.reshape(t, [-1, 1]), tf.reshape(p, [-1, 1])];
    const predicted = tf.cast(tf.greater(p, threshold), "float32");
    return tf.mean(tf.cast(tf.equal(t, predicted), "float32"), -1);
  }, options, BINARY_ACCURACY_OPTIONS);
}

/** One-hot targets: argmax of the target equals argmax of the prediction. */
export function categoricalAccuracy(options: MetricOptions = {}): MeanMetric {
  checkOptionKeys("metrics.categoricalAccuracy", options, METRIC_OPTIONS);
  const name = options.name ?? "categorical_accuracy";
  return new MeanMetric("categorical_accuracy", (yTrue, yPred) => {
    // argMax of class indices would be one number for the whole batch: a silently wrong accuracy.
    checkOneHotTargets(yTrue, yPred, name, "metrics.sparseCategoricalAccuracy()");
    return tf.cast(tf.equal(tf.argMax(yTrue, -1), tf.argMax(yPred, -1)), "float32");
  }, options, METRIC_OPTIONS);
}

/** 1 where the class index equals the argmax of the scores. */
function sparseHits(labels: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  // One kernel where the backend has it (wasm, cpu), else ArgMax, Equal, Cast.
  if (canSparseTop1Hits(labels, yPred)) return sparseTop1Hits(labels, yPred);
  return tf.cast(tf.equal(labels, tf.argMax(yPred, -1)), "float32");
}

/** Integer labels: the label equals the argmax of the prediction. */
export function sparseCategoricalAccuracy(options: MetricOptions = {}): MeanMetric {
  checkOptionKeys("metrics.sparseCategoricalAccuracy", options, METRIC_OPTIONS);
  const name = options.name ?? "sparse_categorical_accuracy";
  return new MeanMetric("sparse_categorical_accuracy", (yTrue, yPred) => sparseHits(sparseLabels(yTrue, yPred, name), yPred), options, METRIC_OPTIONS);
}

export interface TopKOptions extends MetricOptions {
  /** Default 5 (Keras). */
  k?: number;
}

export const TOP_K_OPTIONS = optionKeys<TopKOptions>()([...METRIC_OPTIONS, "k"]);

/**
 * 1 when the target class is among the k highest scores. As TF's in_top_k, classes tied
 * with the target's score count in its favour: hit ⇔ fewer than k scores are strictly higher.
 */
function inTopK(labels: tf.Tensor, yPred: tf.Tensor, k: number): tf.Tensor {
  const classes = yPred.shape[yPred.rank - 1]!;
  const scores = tf.cast(yPred, "float32");
  const targetScore = tf.sum(tf.mul(scores, tf.oneHot(labels, classes)), -1, true);
  const higher = tf.sum(tf.cast(tf.greater(scores, targetScore), "float32"), -1);
  return tf.cast(tf.less(higher, k), "float32");
}

function checkK(k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new ElegyInputError(`top-k accuracy: k must be a positive integer, got ${k}.`);
  return k;
}

export function topKCategoricalAccuracy(options: TopKOptions = {}): MeanMetric {
  checkOptionKeys("metrics.topKCategoricalAccuracy", options, TOP_K_OPTIONS);
  const k = checkK(options.k ?? 5);
  const name = options.name ?? "top_k_categorical_accuracy";
  return new MeanMetric("top_k_categorical_accuracy", (yTrue, yPred) => {
    checkOneHotTargets(yTrue, yPred, name, `metrics.sparseTopKCategoricalAccuracy(${options.k === undefined ? "" : `{ k: ${k} }`})`);
    return inTopK(tf.argMax(yTrue, -1), yPred, k);
  }, options, TOP_K_OPTIONS);
}

export function sparseTopKCategoricalAccuracy(options: TopKOptions = {}): MeanMetric {
  checkOptionKeys("metrics.sparseTopKCategoricalAccuracy", options, TOP_K_OPTIONS);
  const k = checkK(options.k ?? 5);
  const name = options.name ?? "sparse_top_k_categorical_accuracy";
  return new MeanMetric("sparse_top_k_categorical_accuracy", (yTrue, yPred) => inTopK(sparseLabels(yTrue, yPred, name), yPred, k), options, TOP_K_OPTIONS);
}
