// Sparse top-1 hits in one kernel: 1 where argmax(scores) over the last axis equals the
// label, else 0 (float32), instead of ArgMax, Equal and Cast. Ties go to the first maximum
// and a leading NaN wins, as tfjs's ArgMax (`value > max` scanning from index 0).
import { HostKernel, hasHostKernel, registerHostKernel, runHostKernel } from "./host-kernel";
import { tf } from "../../tf";

export const SPARSE_TOP1_HITS = "ElegySparseTop1Hits";

export const sparseTop1HitsKernel: HostKernel = {
  name: SPARSE_TOP1_HITS,
  outputs: ({ scores }) => [{ shape: scores.shape.slice(0, -1), dtype: "float32" }],
  compute: ({ scores, labels }, [hits]) => {
    const x = scores.values;
    const y = labels.values;
    const classes = scores.shape[scores.shape.length - 1];
    for (let r = 0, base = 0; r < hits.length; r++, base += classes) {
      let max = x[base];
      let argMax = 0;
      for (let j = 1; j < classes; j++) {
        if (x[base + j] > max) {
          max = x[base + j];
          argMax = j;
        }
      }
      hits[r] = argMax === y[r] ? 1 : 0;
    }
  },
};

registerHostKernel(sparseTop1HitsKernel);
// Piecewise constant, as ArgMax and Equal: a zero gradient (only used if someone differentiates through it).
if (!tf.getGradient(SPARSE_TOP1_HITS)) {
  tf.registerGradient({
    kernelName: SPARSE_TOP1_HITS,
    inputsToSave: ["scores", "labels"],
    gradFunc: (_dy, [scores, labels]) => ({ scores: () => tf.zerosLike(scores), labels: () => tf.zerosLike(labels).toFloat() }),
  });
}

/** Whether the kernel serves these float32 scores and int32 labels on the active backend. */
export function canSparseTop1Hits(labels: tf.Tensor, scores: tf.Tensor): boolean {
  if (scores.dtype !== "float32" || labels.dtype !== "int32" || scores.rank < 1 || scores.shape[scores.rank - 1] < 1) return false;
  const rows = scores.shape.slice(0, -1);
  return labels.rank === rows.length && labels.shape.every((d, i) => d === rows[i]) && hasHostKernel(SPARSE_TOP1_HITS);
}

/** 1 where argmax(scores, -1) equals the label, else 0 (check canSparseTop1Hits() first). */
export function sparseTop1Hits(labels: tf.Tensor, scores: tf.Tensor): tf.Tensor {
  return runHostKernel(SPARSE_TOP1_HITS, { scores, labels })[0];
}
