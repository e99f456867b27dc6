// Platform seam (see src/platform/README.md): in a page, printed output goes to the console,
// one call per complete line (a console cannot redraw a line in place).
import type * as NodeSide from "../node/output";
import type { ProgressOutput } from "../output-types";

function lineWriter(print: (line: string) => void): ProgressOutput {
  let partial = "";
  return {
    isTTY: false,
    write(text: string): void {
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const line of lines) print(line);
    },
  };
}

const out = lineWriter((line) => console.log(line));
const err = lineWriter((line) => console.warn(line));

export function stdout(): ProgressOutput {
  return out;
}

export function stderr(): ProgressOutput {
  return err;
}

({ stdout, stderr }) satisfies typeof NodeSide;
