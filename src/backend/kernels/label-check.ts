// The first sparse label that is not a class index of `classes` classes (negative, ≥ classes,
// or not a whole number), found on the device: a float32 [3] record [found (0/1), flat index,
// value]. One kernel on wasm and cpu; composed ops elsewhere. The record is read later, with
// the epoch's logs, so checking costs no device read per batch.
import { tf } from "../../tf";
import { HostKernel, hasHostKernel, registerHostKernel, runHostKernel } from "./host-kernel";

export const SPARSE_LABEL_CHECK = "ElegySparseLabelCheck";

export const sparseLabelCheckKernel: HostKernel<{ classes: number }> = {
  name: SPARSE_LABEL_CHECK,
  outputs: () => [{ shape: [3], dtype: "float32" }],
  compute: ({ labels }, [record], { classes }) => {
    const y = labels.values;
    for (let i = 0; i < y.length; i++) {
      const v = y[i];
      if (v >= 0 && v < classes && Number.isInteger(v)) continue;
      record[0] = 1;
      record[1] = i;
      record[2] = v;
      return;
    }
    record[0] = 0;
    record[1] = 0;
    record[2] = 0;
  },
};

registerHostKernel(sparseLabelCheckKernel);

/** [found, flat index, value] of the first label outside the classes (a tensor of the active scope). */
export function sparseLabelCheck(labels: tf.Tensor, classes: number): tf.Tensor1D {
  if (hasHostKernel(SPARSE_LABEL_CHECK) && (labels.dtype === "float32" || labels.dtype === "int32")) {
    return runHostKernel(SPARSE_LABEL_CHECK, { labels }, { classes })[0] as tf.Tensor1D;
  }
  return tf.tidy(() => {
    const flat = tf.reshape(tf.cast(labels, "float32"), [-1]);
    const bad = tf.logicalOr(tf.logicalOr(tf.less(flat, 0), tf.greaterEqual(flat, classes)), tf.notEqual(flat, tf.floor(flat)));
    const badCount = tf.cast(bad, "int32");
    const first = tf.argMax(badCount);
    return tf.concat([
      tf.reshape(tf.cast(tf.max(badCount), "float32"), [1]),
      tf.reshape(tf.cast(first, "float32"), [1]),
      tf.reshape(tf.gather(flat, first), [1]),
    ]) as tf.Tensor1D;
  });
}
