// What printed output is written to: a stream in Node, the console in a page.
export interface ProgressOutput {
  write(text: string): void;
  /** Redraw in place (a terminal); otherwise whole lines are printed. */
  readonly isTTY?: boolean;
  readonly columns?: number;
}
