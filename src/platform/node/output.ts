// Platform seam (see src/platform/README.md): where progress and notices are printed — the
// process's stdout and stderr in Node.
import type { ProgressOutput } from "../output-types";

export function stdout(): ProgressOutput {
  return process.stdout;
}

export function stderr(): ProgressOutput {
  return process.stderr;
}
