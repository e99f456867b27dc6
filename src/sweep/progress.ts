// One progress line per running trial. On a terminal the block of lines is redrawn in place;
// elsewhere (a log file, CI) a trial's line is printed when its text changes.
export interface ProgressSink {
  write(text: string): void;
  readonly isTTY?: boolean;
}

export class ProgressBoard {
  private readonly lines = new Map<string, string>();
  private drawn = 0;

  constructor(private readonly output: ProgressSink) {}

  /** Sets a running trial's line. */
  set(id: string, text: string): void {
    const line = `${id}  ${text}`;
    if (this.lines.get(id) === line) return;
    this.lines.set(id, line);
    if (this.output.isTTY) this.redraw();
    else this.output.write(`${line}\n`);
  }

  /** Ends a trial's line with its last word (done / failed …), printed once above the board. */
  finish(id: string, text: string): void {
    this.lines.delete(id);
    if (this.output.isTTY) {
      this.clear();
      this.output.write(`${id}  ${text}\n`);
      this.redraw(false);
    } else this.output.write(`${id}  ${text}\n`);
  }

  /** Prints a line above the board. */
  note(text: string): void {
    if (this.output.isTTY) this.clear();
    this.output.write(`${text}\n`);
    if (this.output.isTTY) this.redraw(false);
  }

  private clear(): void {
    if (this.drawn > 0) this.output.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private redraw(clearFirst = true): void {
    if (clearFirst) this.clear();
    const columns = (process.stdout.columns ?? 120) - 1;
    const block = [...this.lines.values()].map((line) => line.slice(0, columns));
    if (block.length) this.output.write(`${block.join("\n")}\n`);
    this.drawn = block.length;
  }
}

/** A trial's values in one short text: `hidden=128 learningRate=0.00123 seed=1`. */
export function valuesText(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(3)) : String(v)}`)
    .join(" ");
}
