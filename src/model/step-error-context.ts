// An error thrown inside a step by tfjs or the user's own code ("Error in matMul: inner shapes
// (5) and (4) …") names no model, step or call. The dispatcher notes the innermost step an
// error left; the runner rethrows it as an error of the same class whose first line names them,
// with the original as `cause`. Only on the error path: a step that returns costs nothing.
// elegy-ts's own errors already say where they come from and pass unchanged.
import { ElegyError } from "../errors";
import type { StepKind } from "../metadata-keys";
import type { Purpose } from "./step-context";

const STEP_OF = new WeakMap<object, string>();
/** Errors that already say where they come from although they are of a built-in class (a replica's). */
const PLACED = new WeakSet<object>();

/** Marks an error as naming its origin already: it passes unchanged. */
export function markPlaced<E extends Error>(error: E): E {
  PLACED.add(error);
  return error;
}

/** Records the step an error left first ("@predStep Blobs.forward"); outer steps keep the innermost. */
export function noteStep(error: unknown, step: string): void {
  if (typeof error === "object" && error !== null && !STEP_OF.has(error)) STEP_OF.set(error, step);
}

/** Classes whose constructor is (message, { cause }), so a wrapper of the same class can be made. */
const PLAIN: readonly Function[] = [Error, TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

/** The error with a first line naming step and call, or the error itself when it is ours or of a class of its own. */
export function withStepContext(error: unknown, purpose: Purpose): unknown {
  if (!(error instanceof Error) || error instanceof ElegyError || !PLAIN.includes(error.constructor)) return error;
  const step = PLACED.has(error) ? undefined : STEP_OF.get(error);
  if (step === undefined) return error;
  const Class = error.constructor as ErrorConstructor;
  const wrapped = new Class(`in ${step} (${purpose}):\n${error.message}`, { cause: error });
  // The frames are where the original was thrown; the wrapper's own would point here.
  const frames = error.stack?.indexOf("\n    at ") ?? -1;
  if (frames >= 0) wrapped.stack = `${wrapped.name}: ${wrapped.message}${error.stack!.slice(frames)}`;
  return wrapped;
}
