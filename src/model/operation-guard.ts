// One model, one training or evaluation call at a time. Two fits (or a fit and an evaluate)
// interleaving on one model mix their updates, metric states and histories, so the second
// call is refused while the first runs. predict, predictOnBatch, save and summary only read
// the States between steps and stay free to run alongside.
import { ElegyBusyError } from "../errors";
import { guardMethods } from "./guard-methods";

/** The calls that change the model's States or running metrics: one at a time per model. */
export const EXCLUSIVE_CALLS = ["init", "fit", "evaluate", "trainOnBatch", "testOnBatch", "loadWeights"] as const;
type ExclusiveCall = (typeof EXCLUSIVE_CALLS)[number];

const running = new WeakMap<object, ExclusiveCall>();

/** The call under way on `model`, if any. */
export function runningCall(model: object): string | undefined {
  return running.get(model);
}

export function busyMessage(call: string, current: string): string {
  return (
    `${call}() was called while ${current}() is running on this model; await ${current}() first. ` +
    "Only predict, predictOnBatch, save and summary may run alongside a training or evaluation call."
  );
}

/** Throws (synchronously) when a training or evaluation call is under way: for synchronous methods such as dispose. */
export function assertIdle(model: object, call: string): void {
  const current = running.get(model);
  if (current !== undefined) throw new ElegyBusyError(busyMessage(call, current));
}

/**
 * Wraps the exclusive async methods of `prototype`: a call made while another runs on the same
 * model is rejected (its promise, not a synchronous throw, so Promise.all sees it). The mark is
 * set synchronously, before the method's first await, so two calls in one tick are caught too.
 */
export function guardOperations(prototype: object): void {
  guardMethods(prototype, EXCLUSIVE_CALLS, (model, call) => {
    assertIdle(model, call);
    running.set(model, call);
    return () => void running.delete(model);
  });
}
