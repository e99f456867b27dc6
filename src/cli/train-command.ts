// `elegy-ts train` (issue 6: generated trainers) — not built yet.
import { CliError } from "./cli-error";

export async function trainCommand(_argv: string[]): Promise<number> {
  throw new CliError("elegy-ts train is not available yet in this version: build the file with `elegy-ts build` and run it with node.");
}
