// How a failed command reports itself. Errors are recognised by name, not class, so that an
// error from another copy of elegy-ts (the one a user's model resolves) reads the same.

/** True for a command-line mistake (CliError) or an error elegy-ts raised on purpose (Elegy…Error). */
export function isExpectedFailure(error: unknown): error is Error {
  return error instanceof Error && (error.name === "CliError" || error.name.startsWith("Elegy"));
}

/** One line for an expected failure (a CliError by its message alone); anything else with its stack. */
export function failureText(error: unknown): string {
  if (isExpectedFailure(error)) return error.name === "CliError" ? error.message : `${error.name}: ${error.message}`;
  return error instanceof Error ? error.stack ?? String(error) : String(error);
}
