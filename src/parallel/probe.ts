// Before the first real step, every replica runs the gradient step on the main thread's own
// shard, with the main thread's exact states and random state, and must get what the main
// thread got. A replica is built by the class's constructor, so a part that the model was
// given as an option, or a field changed after construction that the step depends on, shows
// up here as a different loss or gradient — an error instead of silently different training.
import { ElegyInputError } from "../errors";
import { isRunning } from "../logs";
import type { GradResult } from "../model/step-results";
import { leafPaths } from "../tree";
import type { ShardOutcome } from "./combine";
import { constructorExample } from "./model-recipe";

function close(a: number, b: number, scale: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  return Math.abs(a - b) <= 1e-4 * Math.max(scale, 1e-6) + 1e-7;
}

export function checkProbe(mine: GradResult, theirs: ShardOutcome, index: number, count: number, className: string, seed: number): void {
  const fail = (what: string): never => {
    throw new ElegyInputError(
      `fit(): replica ${index} of ${count}, built as new ${className}({ seed: ${seed} }) in a worker thread, computes ${what} than ` +
        "this model on the same rows and states. Replicas are built by the class's constructor: parts passed as options to " +
        `new ${className}(…), and fields set on the model afterwards that are not plain data, are not in the replica. ` +
        `Build every part in the constructor:\n${constructorExample(className)}\n` +
        "(Or the gradient step depends on something besides its inputs, its states and states.rng.)",
    );
  };
  const [loss, logs, , grads] = mine;
  const a = loss.dataSync()[0];
  const b = theirs.loss.dataSync()[0];
  if (!close(a, b, Math.abs(a))) fail(`a different loss (${b} instead of ${a})`);

  const names = Object.keys(logs).sort();
  const theirNames = [...Object.keys(theirs.logs), ...theirs.running].sort();
  if (names.join() !== theirNames.join()) fail(`other logs (${theirNames.join(", ")} instead of ${names.join(", ")})`);
  for (const name of names) {
    const value = logs[name];
    if (isRunning(value)) continue;
    const other = theirs.logs[name];
    const x = typeof value === "number" ? value : value.dataSync()[0];
    const y = typeof other === "number" ? other : other.dataSync()[0];
    if (!close(x, y, Math.abs(x))) fail(`a different '${name}' (${y} instead of ${x})`);
  }

  const mineLeaves = leafPaths(grads);
  const theirLeaves = leafPaths(theirs.grads);
  const shape = (l: [string, { shape: number[] }]) => `${l[0] || "(root)"} [${l[1].shape.join(",")}]`;
  if (mineLeaves.length !== theirLeaves.length || mineLeaves.some((l, i) => shape(l) !== shape(theirLeaves[i]))) {
    fail(`gradients of another structure (${theirLeaves.map(shape).join(", ")} instead of ${mineLeaves.map(shape).join(", ")})`);
  }
  mineLeaves.forEach(([path, leaf], i) => {
    const x = leaf.dataSync();
    const y = theirLeaves[i][1].dataSync();
    let scale = 0;
    for (let k = 0; k < x.length; k++) scale = Math.max(scale, Math.abs(x[k]));
    for (let k = 0; k < x.length; k++) {
      if (!close(x[k], y[k], scale)) fail(`a different gradient for ${path || "the parameters"} (element ${k}: ${y[k]} instead of ${x[k]})`);
    }
  });
}
