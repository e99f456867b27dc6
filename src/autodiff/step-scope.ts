// Memory discipline for one step call. Like tf.tidy, every tensor created during the step is
// disposed unless the step returns it; unlike tf.tidy, it understands States, and it also
// cleans up tensors that had to be tf.keep'd to escape tfjs's own inner scopes
// (tf.valueAndGrads runs its function under a tidy of its own).
import { tf } from "../tf";
import { collectTensors } from "../tree";

let keptInCurrentStep: Set<tf.Tensor> | undefined;

/**
 * Keeps every tensor of `value` alive past the inner tfjs scope it was made in, and
 * remembers it, so the enclosing step scope disposes it if it ends up unused.
 */
export function keepAlive<T>(value: T): T {
  for (const t of collectTensors(value)) {
    if (!t.isDisposed) tf.keep(t);
    keptInCurrentStep?.add(t);
  }
  return value;
}

/**
 * Runs `fn` in a tensor scope. Tensors reachable from the result survive; tensors in
 * `protect` (the inputs: current states and the batch) are never disposed here — the
 * caller decides about them once it knows which ones the new states still use.
 */
export function inStepScope<T>(fn: () => T, protect: ReadonlySet<tf.Tensor>): T {
  const outer = keptInCurrentStep;
  const kept = new Set<tf.Tensor>();
  keptInCurrentStep = kept;
  const engine = tf.engine();
  engine.startScope();
  let result: T;
  try {
    result = fn();
  } catch (error) {
    engine.endScope();
    for (const t of kept) if (!protect.has(t) && !t.isDisposed) t.dispose();
    keptInCurrentStep = outer;
    throw error;
  }
  const survivors = collectTensors(result);
  engine.endScope([...survivors]);
  for (const t of kept) {
    if (survivors.has(t)) outer?.add(t);
    else if (!protect.has(t) && !t.isDisposed) t.dispose();
  }
  keptInCurrentStep = outer;
  return result;
}
