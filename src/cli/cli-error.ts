/** A command line that cannot be run (unknown option, missing file…): printed as its message alone, no stack. */
export class CliError extends Error {
  override name = "CliError";
}
