// Whether every float leaf of some trees is finite: one kernel chain and one read, for the rare
// moments that need to know (before writing a checkpoint, when training is terminated).
import { tf } from "../tf";
import { StateTree, leaves } from "../tree";

export function allFinite(trees: readonly StateTree[]): boolean {
  const floats = trees.flatMap((tree) => (tree === undefined ? [] : leaves(tree))).filter((t) => t.dtype === "float32");
  if (floats.length === 0) return true;
  const verdict = tf.tidy(() => tf.all(tf.stack(floats.map((t) => tf.all(tf.isFinite(t))))));
  const finite = verdict.dataSync()[0] === 1;
  verdict.dispose();
  return finite;
}
