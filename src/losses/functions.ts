// Per-sample loss functions (Keras semantics): each maps yTrue, yPred to one value per sample
// (the last axis reduced). The loss objects reduce these over the batch; metrics average them.
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { checkSparseLabels } from "./label-check";
import { prefersSparseSoftmaxCrossentropy, sparseSoftmaxCrossentropy } from "../backend/kernels/sparse-crossentropy";

/** Keras' backend epsilon: clips probabilities away from 0 and 1. */
export const EPSILON = 1e-7;

/** A per-sample loss function. */
export type PerSampleFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/**
 * Brings targets to the prediction's rank when they differ by one unit axis
 * ([batch] vs [batch, 1]), as Keras' squeeze_or_expand_to_same_rank.
 */
export function matchRank(yTrue: tf.Tensor, yPred: tf.Tensor): [tf.Tensor, tf.Tensor] {
  if (yTrue.rank === yPred.rank + 1 && yTrue.shape[yTrue.rank - 1] === 1) return [tf.squeeze(yTrue, [-1]), yPred];
  if (yPred.rank === yTrue.rank + 1 && yPred.shape[yPred.rank - 1] === 1) return [yTrue, tf.squeeze(yPred, [-1])];
  return [yTrue, yPred];
}

/** Float targets and predictions of the same rank; rank-1 inputs are one value per sample. */
function asPairs(yTrue: tf.Tensor, yPred: tf.Tensor): [tf.Tensor, tf.Tensor] {
  let [t, p] = matchRank(tf.cast(yTrue, "float32"), tf.cast(yPred, "float32"));
  if (p.rank <= 1) [t, p] = [tf.reshape(t, [-1, 1]), tf.reshape(p, [-1, 1])];
  return [t, p];
}

/** Mean over the last axis of an elementwise function (the Keras per-sample reduction). */
function meanOverLast(fn: (t: tf.Tensor, p: tf.Tensor) => tf.Tensor): PerSampleFn {
  return (yTrue, yPred) => {
    const [t, p] = asPairs(yTrue, yPred);
    return tf.mean(fn(t, p), -1);
  };
}

/** Log-probabilities from logits, or from probabilities (normalised and clipped as Keras). */
function logProbabilities(yPred: tf.Tensor, fromLogits: boolean): tf.Tensor {
  const p = tf.cast(yPred, "float32");
  if (fromLogits) return tf.logSoftmax(p, -1);
  const normalised = tf.div(p, tf.sum(p, -1, true));
  return tf.log(tf.clipByValue(normalised, EPSILON, 1 - EPSILON));
}

export function categoricalCrossentropy(fromLogits: boolean, labelSmoothing = 0): PerSampleFn {
  return (yTrue, yPred) => {
    let t = tf.cast(yTrue, "float32");
    if (labelSmoothing > 0) {
      const classes = yPred.shape[yPred.rank - 1]!;
      t = tf.add(tf.mul(t, 1 - labelSmoothing), labelSmoothing / classes);
    }
    return tf.neg(tf.sum(tf.mul(t, logProbabilities(yPred, fromLogits)), -1));
  };
}

/**
 * categoricalCrossentropy as the `losses` or `metrics` factory of that name makes it: refusing
 * class indices first, naming the sparse twin of that namespace with the same fromLogits.
 */
export function checkedCategoricalCrossentropy(
  namespace: "losses" | "metrics",
  options: { fromLogits?: boolean; labelSmoothing?: number; name?: string },
): PerSampleFn {
  const fn = categoricalCrossentropy(options.fromLogits ?? false, options.labelSmoothing ?? 0);
  const owner = options.name ?? "categorical_crossentropy";
  const sparse = `${namespace}.sparseCategoricalCrossentropy(${options.fromLogits ? "{ fromLogits: true }" : ""})`;
  return (yTrue, yPred) => {
    checkOneHotTargets(yTrue, yPred, owner, sparse);
    return fn(yTrue, yPred);
  };
}

/** Integer class labels ([batch] or [batch, 1]) against class scores [batch, classes]. `name` is for messages. */
export function sparseCategoricalCrossentropy(fromLogits: boolean, name = "sparse_categorical_crossentropy"): PerSampleFn {
  return (yTrue, yPred) => {
    const classes = yPred.shape[yPred.rank - 1]!;
    const labels = sparseLabels(yTrue, yPred, name);
    if (fromLogits && yPred.dtype === "float32" && classes > 0 && prefersSparseSoftmaxCrossentropy(yPred.size) && sameShape(labels.shape, yPred.shape.slice(0, -1))) {
      return sparseSoftmaxCrossentropy(labels, yPred);
    }
    const oneHot = tf.oneHot(labels, classes, 1, 0, "float32");
    if (fromLogits) return softmaxCrossentropyWithLogits(oneHot, yPred.dtype === "float32" ? yPred : tf.cast(yPred, "float32"));
    return tf.neg(tf.sum(tf.mul(oneHot, logProbabilities(yPred, false)), -1));
  };
}

/**
 * −Σ target · log softmax(logits) over the last axis, with the gradient in closed form,
 * (softmax − target) · dy, as TF's softmax_cross_entropy_with_logits: 3 kernels backward
 * instead of the ~9 that differentiating the composed ops costs. No gradient for the targets
 * (sparse labels have none). Like tf.logSoftmax, which the composed form used, it has no
 * second-order gradient in tfjs.
 */
function softmaxCrossentropyWithLogits(target: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  const fused = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const logProbs = tf.logSoftmax(x, -1);
    save([logProbs, target]);
    return {
      value: tf.neg(tf.sum(tf.mul(target, logProbs), -1)),
      gradFunc: (dy: tf.Tensor, [savedLogProbs, savedTarget]: tf.Tensor[]) =>
        tf.mul(tf.expandDims(dy, -1), tf.sub(tf.exp(savedLogProbs), savedTarget)),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return fused(logits);
}

/**
 * Class indices ([n] or [n, 1]) against scores [n, c] with c > 1: what a one-hot loss or metric
 * would silently broadcast (or tfjs refuse with "Operands could not be broadcast").
 */
export function isClassIndicesForScores(yTrue: tf.Tensor, yPred: tf.Tensor): boolean {
  const classes = yPred.shape[yPred.rank - 1];
  if (yPred.rank < 2 || classes === undefined || classes < 2) return false;
  const rows = yPred.shape.slice(0, -1);
  if (yTrue.rank === yPred.rank - 1) return sameShape(yTrue.shape, rows);
  return yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === 1 && sameShape(yTrue.shape.slice(0, -1), rows);
}

/**
 * Refuses class-index targets given to a loss or metric that wants one-hot targets. `owner` names
 * it; `sparse` is its sparse twin as the user would write it ("losses.sparseCategoricalCrossentropy()").
 */
export function checkOneHotTargets(yTrue: tf.Tensor, yPred: tf.Tensor, owner: string, sparse: string): void {
  if (!isClassIndicesForScores(yTrue, yPred)) return;
  throw new ElegyInputError(
    `${owner} expects one-hot targets of shape [${yPred.shape.join(", ")}], got class indices of shape [${yTrue.shape.join(", ")}]: ` +
      `use ${sparse} for class indices, or one-hot the labels (tf.oneHot(labels, ${yPred.shape[yPred.rank - 1]})).`,
  );
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Sparse labels as int32 with yPred's rank minus one (a trailing unit axis is dropped), checked
 * to be class indices of yPred's classes (see label-check.ts). `owner` names the loss or metric.
 */
export function sparseLabels(yTrue: tf.Tensor, yPred: tf.Tensor, owner: string): tf.Tensor {
  let labels = yTrue;
  if (labels.rank === yPred.rank && labels.shape[labels.rank - 1] === 1) labels = tf.squeeze(labels, [-1]);
  if (labels.rank !== yPred.rank - 1) {
    throw new ElegyInputError(
      `Sparse targets must be class indices of shape [${yPred.shape.slice(0, -1).join(", ")}] (or with a trailing 1) ` +
        `for predictions of shape [${yPred.shape.join(", ")}]; got [${yTrue.shape.join(", ")}].`,
    );
  }
  checkSparseLabels(yTrue, yPred.shape[yPred.rank - 1]!, owner);
  return labels.dtype === "int32" ? labels : tf.cast(labels, "int32");
}

export function binaryCrossentropy(fromLogits: boolean, labelSmoothing = 0): PerSampleFn {
  return meanOverLast((t, p) => {
    const target = labelSmoothing > 0 ? tf.add(tf.mul(t, 1 - labelSmoothing), 0.5 * labelSmoothing) : t;
    if (fromLogits) {
      // max(x, 0) - x * z + log(1 + exp(-|x|)): stable for large |x|.
      return tf.add(tf.sub(tf.relu(p), tf.mul(p, target)), tf.log1p(tf.exp(tf.neg(tf.abs(p)))));
    }
    const q = tf.clipByValue(p, EPSILON, 1 - EPSILON);
    return tf.neg(tf.add(tf.mul(target, tf.log(q)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, q)))));
  });
}

export const meanSquaredError: PerSampleFn = meanOverLast((t, p) => tf.squaredDifference(p, t));

export const meanAbsoluteError: PerSampleFn = meanOverLast((t, p) => tf.abs(tf.sub(p, t)));

export const meanAbsolutePercentageError: PerSampleFn = meanOverLast((t, p) =>
  tf.mul(100, tf.abs(tf.div(tf.sub(t, p), tf.maximum(tf.abs(t), EPSILON)))),
);

export const meanSquaredLogarithmicError: PerSampleFn = meanOverLast((t, p) =>
  tf.squaredDifference(tf.log1p(tf.maximum(p, EPSILON)), tf.log1p(tf.maximum(t, EPSILON))),
);

/** Quadratic for |error| <= delta, linear beyond. */
export function huber(delta = 1): PerSampleFn {
  return meanOverLast((t, p) => {
    const error = tf.sub(p, t);
    const absError = tf.abs(error);
    const quadratic = tf.mul(0.5, tf.square(error));
    const linear = tf.sub(tf.mul(delta, absError), 0.5 * delta * delta);
    return tf.where(tf.lessEqual(absError, delta), quadratic, linear);
  });
}

/** log(cosh(error)), computed stably as x + softplus(-2x) - log 2. */
export const logCosh: PerSampleFn = meanOverLast((t, p) => {
  const x = tf.sub(p, t);
  return tf.sub(tf.add(x, tf.softplus(tf.mul(-2, x))), Math.log(2));
});

function l2Normalize(x: tf.Tensor, axis: number): tf.Tensor {
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), axis, true), 1e-12)));
}

/** Negative cosine similarity (−1 for identical directions), as Keras' loss. */
export function cosineSimilarity(axis = -1): PerSampleFn {
  return (yTrue, yPred) => {
    const [t, p] = asPairs(yTrue, yPred);
    return tf.neg(tf.sum(tf.mul(l2Normalize(t, axis), l2Normalize(p, axis)), axis));
  };
}

export const kullbackLeiblerDivergence: PerSampleFn = (yTrue, yPred) => {
  const [t, p] = asPairs(yTrue, yPred);
  const tc = tf.clipByValue(t, EPSILON, 1);
  const pc = tf.clipByValue(p, EPSILON, 1);
  return tf.sum(tf.mul(tc, tf.log(tf.div(tc, pc))), -1);
};

/** Targets in {-1, 1} (0/1 targets are converted, as Keras). */
function signedTargets(t: tf.Tensor): tf.Tensor {
  const isZeroOne = tf.all(tf.logicalOr(tf.equal(t, 0), tf.equal(t, 1)));
  return tf.where(isZeroOne, tf.sub(tf.mul(t, 2), 1), t);
}

export const hinge: PerSampleFn = meanOverLast((t, p) => tf.relu(tf.sub(1, tf.mul(signedTargets(t), p))));

export const squaredHinge: PerSampleFn = meanOverLast((t, p) => tf.square(tf.relu(tf.sub(1, tf.mul(signedTargets(t), p)))));

export const poisson: PerSampleFn = meanOverLast((t, p) => tf.sub(p, tf.mul(t, tf.log(tf.add(p, EPSILON)))));
