// Errors cross threads as plain data and are rethrown on the main thread as the same class
// when it is one of elegy-ts's or a built-in one (an ElegyInputError stays an ElegyInputError,
// a RangeError a RangeError), with the replica named.
import * as errors from "../errors";
import { markPlaced } from "../model/step-error-context";

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: "Error", message: String(error) };
}

const BUILT_IN: Record<string, new (message: string) => Error> = { TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError };

/** The replica's error as the main thread throws it: the same class where it can, message prefixed with `who`. */
export function replicaError(who: string, error: SerializedError): Error {
  const own = (errors as unknown as Record<string, new (message: string) => Error>)[error.name];
  const cls = typeof own === "function" && own.prototype instanceof errors.ElegyError ? own : BUILT_IN[error.name] ?? Error;
  const message = `${who} failed: ${error.message}`;
  const rebuilt = new cls(message);
  if (error.stack) rebuilt.stack = `${rebuilt.name}: ${message}\n    --- in the replica's thread ---\n${error.stack.split("\n").slice(1).join("\n")}`;
  // "Replica 1 of 2 failed: …" names its origin; the main thread's step adds no line to it.
  return markPlaced(rebuilt);
}
