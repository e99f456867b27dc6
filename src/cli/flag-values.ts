// Flag values shared by the sweep and worker commands.
import { CliError } from "./cli-error";

/** A positive whole number given as `--flag N`, or undefined when the flag was not given. */
export function positiveIntegerFlag(command: string, flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n <= 0) throw new CliError(`elegy-ts ${command}: --${flag} must be a positive integer, got '${value}'.`);
  return n;
}
