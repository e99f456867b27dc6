// Precision and recall (Keras): counts of true/false positives/negatives over every element,
// weighted by sample (and class) weights. A prediction is positive when above `threshold`;
// with `topK` only each row's k highest scores may be positive; with `classId` only that
// column counts. Integer class labels are one-hot encoded against the prediction's last axis.
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { broadcastableTo, combinedWeights } from "../losses/weights";
import { checkOptionKeys, optionKeys } from "../options-check";
import { BaseMetric, METRIC_OPTIONS, MetricOptions } from "./metric";

export interface ConfusionOptions extends MetricOptions {
  /** Default 0.5. */
  threshold?: number;
  /** Only the k highest predictions of each row can be positive. */
  topK?: number;
  /** Only this class (last-axis index) is counted. */
  classId?: number;
}

export const CONFUSION_OPTIONS = optionKeys<ConfusionOptions>()([...METRIC_OPTIONS, "threshold", "topK", "classId"]);

type Counts = { truePositives: tf.Scalar; falsePositives: tf.Scalar; falseNegatives: tf.Scalar };

/** Targets as 0/1 of the prediction's shape (one-hot from integer labels when needed). */
function denseTargets(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const classes = yPred.shape[yPred.rank - 1]!;
  let t = yTrue;
  if (t.rank === yPred.rank && t.shape[t.rank - 1] === 1 && classes > 1) t = tf.squeeze(t, [-1]);
  if (t.rank === yPred.rank - 1 && classes > 1) return tf.oneHot(tf.cast(t, "int32"), classes);
  if (t.rank === yPred.rank - 1) t = tf.expandDims(t, -1);
  return tf.cast(tf.notEqual(t, 0), "float32");
}

abstract class ConfusionMetric extends BaseMetric<Counts> {
  private readonly threshold: number;
  private readonly topK?: number;
  private readonly classId?: number;

  constructor(defaultName: string, options: ConfusionOptions) {
    super(defaultName, options);
    this.threshold = options.threshold ?? 0.5;
    this.topK = options.topK;
    this.classId = options.classId;
    if (this.topK !== undefined && (!Number.isInteger(this.topK) || this.topK < 1)) {
      throw new ElegyInputError(`${this.name}: topK must be a positive integer, got ${this.topK}.`);
    }
  }

  init(): Counts {
    return { truePositives: tf.scalar(0), falsePositives: tf.scalar(0), falseNegatives: tf.scalar(0) };
  }

  protected accumulate(state: Counts, yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeight?: tf.Tensor, classWeight?: tf.Tensor): Counts {
    // One score per sample ([batch]) is a single binary output: [batch, 1].
    let scores = yPred.rank === 1 ? tf.reshape(tf.cast(yPred, "float32"), [-1, 1]) : tf.cast(yPred, "float32");
    let targets = denseTargets(yPred.rank === 1 ? tf.reshape(yTrue, [-1, 1]) : yTrue, scores);
    if (this.topK !== undefined) {
      // The k-th largest score of each row: below it, nothing is positive.
      const kth = tf.min(tf.topk(scores, Math.min(this.topK, scores.shape[scores.rank - 1]!)).values, -1, true);
      scores = tf.where(tf.greaterEqual(scores, kth), scores, tf.fill(scores.shape, -Infinity));
    }
    const weights = combinedWeights(yTrue, sampleWeight, classWeight);
    if (this.classId !== undefined) {
      const col = (t: tf.Tensor) => tf.squeeze(tf.slice(t, [...Array(t.rank - 1).fill(0), this.classId!], [...t.shape.slice(0, -1), 1]), [-1]);
      scores = col(scores);
      targets = col(targets);
    }
    const predicted = tf.cast(tf.greater(scores, this.threshold), "float32");
    const w = weights === undefined ? tf.onesLike(predicted) : tf.mul(tf.onesLike(predicted), broadcastableTo(weights, predicted.rank));
    const count = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.mul(a, b), w));
    const notTargets = tf.sub(1, targets);
    return {
      truePositives: tf.add(state.truePositives, count(targets, predicted)) as tf.Scalar,
      falsePositives: tf.add(state.falsePositives, count(notTargets, predicted)) as tf.Scalar,
      falseNegatives: tf.add(state.falseNegatives, count(targets, tf.sub(1, predicted))) as tf.Scalar,
    };
  }

  /** a / (a + b), 0 when both are 0. */
  protected ratio(a: tf.Scalar, b: tf.Scalar): tf.Scalar {
    const total = tf.add(a, b);
    return tf.where(tf.greater(total, 0), tf.div(a, tf.maximum(total, 1e-30)), tf.scalar(0)) as tf.Scalar;
  }
}

export class Precision extends ConfusionMetric {
  constructor(options: ConfusionOptions = {}) {
    if (new.target === Precision) checkOptionKeys("new metrics.Precision", options, CONFUSION_OPTIONS);
    super("precision", options);
  }

  result(state: Counts): tf.Scalar {
    return this.ratio(state.truePositives, state.falsePositives);
  }
}

export class Recall extends ConfusionMetric {
  constructor(options: ConfusionOptions = {}) {
    if (new.target === Recall) checkOptionKeys("new metrics.Recall", options, CONFUSION_OPTIONS);
    super("recall", options);
  }

  result(state: Counts): tf.Scalar {
    return this.ratio(state.truePositives, state.falseNegatives);
  }
}

export function precision(options: ConfusionOptions = {}): Precision {
  checkOptionKeys("metrics.precision", options, CONFUSION_OPTIONS);
  return new Precision(options);
}

export function recall(options: ConfusionOptions = {}): Recall {
  checkOptionKeys("metrics.recall", options, CONFUSION_OPTIONS);
  return new Recall(options);
}
