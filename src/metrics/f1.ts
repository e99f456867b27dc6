// F1 score (Keras F1Score / FBetaScore with beta = 1) over classes: per-class true/false
// positives and false negatives accumulate over the epoch; "macro" averages the per-class
// F1, "micro" pools the counts, "weighted" weighs each class by its (weighted) support.
// Without a threshold each row's highest score is the predicted class.
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { EPSILON } from "../losses/functions";
import { combinedWeights } from "../losses/weights";
import { checkOptionKeys, optionKeys } from "../options-check";
import { BaseMetric, METRIC_OPTIONS, MetricOptions } from "./metric";

export type F1Average = "macro" | "micro" | "weighted";

export interface F1Options extends MetricOptions {
  /** Default "macro" (Keras' default None gives one value per class; logs need one number). */
  average?: F1Average;
  /** A score above this is a positive; default: the row's argmax. */
  threshold?: number;
}

export const F1_OPTIONS = optionKeys<F1Options>()([...METRIC_OPTIONS, "average", "threshold"]);

type F1State = { truePositives: tf.Tensor; falsePositives: tf.Tensor; falseNegatives: tf.Tensor; support: tf.Tensor };

export class F1Score extends BaseMetric<F1State> {
  readonly average: F1Average;
  private readonly threshold?: number;

  constructor(options: F1Options = {}) {
    if (new.target === F1Score) checkOptionKeys("new metrics.F1Score", options, F1_OPTIONS);
    super("f1_score", options);
    this.average = options.average ?? "macro";
    if (!["macro", "micro", "weighted"].includes(this.average)) {
      throw new ElegyInputError(`f1: average must be "macro", "micro" or "weighted", got "${this.average}".`);
    }
    this.threshold = options.threshold;
  }

  /** Scalars: the first update broadcasts them to one value per class. */
  init(): F1State {
    return { truePositives: tf.scalar(0), falsePositives: tf.scalar(0), falseNegatives: tf.scalar(0), support: tf.scalar(0) };
  }

  protected accumulate(state: F1State, yTrue: tf.Tensor, yPred: tf.Tensor, sampleWeight?: tf.Tensor, classWeight?: tf.Tensor): F1State {
    // One score per sample ([batch]) is a single binary output: [batch, 1].
    const scores = yPred.rank === 1 ? tf.reshape(tf.cast(yPred, "float32"), [-1, 1]) : tf.cast(yPred, "float32");
    if (yPred.rank === 1) yTrue = tf.reshape(yTrue, [-1, 1]);
    const classes = scores.shape[scores.rank - 1]!;
    const targets = yTrue.rank === scores.rank - 1 || (yTrue.rank === scores.rank && yTrue.shape[yTrue.rank - 1] === 1 && classes > 1)
      ? tf.oneHot(tf.cast(tf.reshape(yTrue, scores.shape.slice(0, -1)), "int32"), classes)
      : tf.cast(yTrue, "float32");
    const predicted = this.threshold === undefined
      ? tf.cast(tf.equal(scores, tf.max(scores, -1, true)), "float32")
      : tf.cast(tf.greater(scores, this.threshold), "float32");
    const weights = combinedWeights(yTrue, sampleWeight, classWeight);
    const rows = (t: tf.Tensor) => tf.reshape(t, [-1, classes]);
    const w = weights === undefined ? undefined : tf.reshape(weights, [-1, 1]);
    // Sum over samples: one value per class (micro pools everything into one).
    const total = (t: tf.Tensor) => {
      const weighted = w === undefined ? rows(t) : tf.mul(rows(t), w);
      return this.average === "micro" ? tf.sum(weighted) : tf.sum(weighted, 0);
    };
    return {
      truePositives: tf.add(state.truePositives, total(tf.mul(predicted, targets))),
      falsePositives: tf.add(state.falsePositives, total(tf.mul(predicted, tf.sub(1, targets)))),
      falseNegatives: tf.add(state.falseNegatives, total(tf.mul(tf.sub(1, predicted), targets))),
      support: tf.add(state.support, total(targets)),
    };
  }

  result(state: F1State): tf.Scalar {
    const tp = state.truePositives;
    const precision = tf.div(tp, tf.add(tf.add(tp, state.falsePositives), EPSILON));
    const recall = tf.div(tp, tf.add(tf.add(tp, state.falseNegatives), EPSILON));
    const f1 = tf.mul(2, tf.div(tf.mul(precision, recall), tf.add(tf.add(precision, recall), EPSILON)));
    if (this.average === "weighted") {
      return tf.sum(tf.mul(f1, tf.div(state.support, tf.add(tf.sum(state.support), EPSILON)))) as tf.Scalar;
    }
    return tf.mean(f1) as tf.Scalar;
  }
}

export function f1(options: F1Options = {}): F1Score {
  checkOptionKeys("metrics.f1", options, F1_OPTIONS);
  return new F1Score(options);
}
