// The safety net behind backend-guard.ts: something can still switch tfjs's backend during a
// call (tf.setBackend in a callback, or code that runs between batches), and a step would then
// compute on a backend that is not its model's. Every step compares the active backend with
// its call's (a string compare, once per batch) and stops with an error rather than switch
// back: switching back would undo the user's own setBackend without a word, and tfjs switches
// asynchronously (a backend that is not initialized yet cannot become active inside a step).
// The step has not run, so the model's States are as they were after the previous batch.
import { tf } from "../tf";
import { ElegyBackendError } from "../errors";

/** Throws when tfjs's active backend is not `expected` (tfjs's name of the call's backend). */
export function checkActiveBackend(expected: string, className: string, purpose: string): void {
  const active = tf.getBackend();
  if (active === expected) return;
  throw new ElegyBackendError(
    `${className}: a ${purpose} step was about to run on tfjs's "${active}" backend, but this call runs on "${expected}": ` +
      `tfjs's backend was switched while the call was under way (tf.setBackend or ready() in a callback, or in code running ` +
      `between batches). tfjs has one active backend per process, so the step was stopped rather than run on another backend. ` +
      `Switch backends only between calls, or give the model the backend option you want.`,
  );
}
