// Errors cross threads as plain data and are rethrown on the main thread as the same elegy-ts
// error class (ElegyInputError stays an ElegyInputError), with the replica named.
import * as errors from "../errors";

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: "Error", message: String(error) };
}

/** The replica's error as the main thread throws it: same class when it is one of elegy-ts's, message prefixed with `who`. */
export function replicaError(who: string, error: SerializedError): Error {
  const cls = (errors as unknown as Record<string, new (message: string) => Error>)[error.name];
  const message = `${who} failed: ${error.message}`;
  const rebuilt = typeof cls === "function" && cls.prototype instanceof errors.ElegyError ? new cls(message) : new Error(message);
  if (error.stack) rebuilt.stack = `${rebuilt.name}: ${message}\n    --- in the replica's thread ---\n${error.stack.split("\n").slice(1).join("\n")}`;
  return rebuilt;
}
