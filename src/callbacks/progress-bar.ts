// The terminal progress bar, Keras 3 style:
//   Epoch 1/4
//   938/938 ━━━━━━━━━━━━━━━━━━━━ 2s 2ms/step - accuracy: 0.8871 - loss: 0.3887
// verbose 1 redraws one line in place on a TTY (at most every `intervalMs`, with at most one
// pending read of the logs from the device); when stdout is not a TTY, and with verbose 2,
// it prints one plain line per epoch instead.
import { checkOptionKeys, optionKeys } from "../options-check";
import { BatchInfo, Callback, EpochLogs } from "./callback";
import { stdout } from "#platform/output";
import type { ProgressOutput } from "../platform/output-types";

export type { ProgressOutput };

export interface ProgressBarOptions {
  verbose?: 1 | 2;
  output?: ProgressOutput;
  intervalMs?: number;
  barWidth?: number;
}

export const PROGRESS_BAR_OPTIONS = optionKeys<ProgressBarOptions>()(["verbose", "output", "intervalMs", "barWidth"]);

export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e-3 || value === 0 ? value.toFixed(4) : value.toExponential(4);
}

export function formatLogs(logs: EpochLogs): string {
  return Object.entries(logs)
    .map(([name, value]) => `${name}: ${formatValue(value)}`)
    .join(" - ");
}

export function formatDuration(seconds: number): string {
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
  return `${Math.round(seconds)}s`;
}

function formatPerStep(seconds: number): string {
  if (seconds >= 1) return `${seconds.toFixed(1)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

export class ProgressBar extends Callback {
  private readonly verbose: 1 | 2;
  private readonly output: ProgressOutput;
  private readonly intervalMs: number;
  private readonly barWidth: number;
  private epochStart = 0;
  private lastDraw = 0;
  private seen = 0;
  private logs: EpochLogs = {};
  private pending: Promise<void> | undefined;

  constructor(options: ProgressBarOptions = {}) {
    if (new.target === ProgressBar) checkOptionKeys("new callbacks.ProgressBar", options, PROGRESS_BAR_OPTIONS);
    super();
    this.verbose = options.verbose ?? 1;
    this.output = options.output ?? stdout();
    this.intervalMs = options.intervalMs ?? 100;
    this.barWidth = options.barWidth ?? 20;
  }

  /** Redraws in place only on a terminal and with verbose 1. */
  private get live(): boolean {
    return this.verbose === 1 && this.output.isTTY === true;
  }

  private get steps(): number | undefined {
    return this.params.steps as number | undefined;
  }

  onEpochBegin(epoch: number): void {
    this.epochStart = performance.now();
    this.lastDraw = 0;
    this.seen = 0;
    this.logs = {};
    this.output.write(`Epoch ${epoch + 1}/${this.params.epochs ?? "?"}\n`);
  }

  onTrainBatchEnd(batch: number, info: BatchInfo): void {
    this.seen = batch + 1;
    if (!this.live) return;
    const now = performance.now();
    if (now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    // Reading logs waits on the device; keep at most one read in flight and draw with the latest known values.
    this.pending ??= info.readLogs().then((logs) => {
      this.logs = logs;
      this.pending = undefined;
    });
    this.draw(false);
  }

  async onEpochEnd(_epoch: number, logs: EpochLogs): Promise<void> {
    await this.pending;
    this.logs = logs;
    this.draw(true);
  }

  /** The bar line for the current state (exported for tests through `render`). */
  render(done: boolean, now = performance.now()): string {
    const elapsed = (now - this.epochStart) / 1000;
    const steps = this.steps;
    const perStep = this.seen > 0 ? elapsed / this.seen : 0;
    const count = steps ? `${this.seen}/${steps}` : `${this.seen}`;
    const parts: string[] = [];
    if (this.verbose === 1) {
      const filled = steps ? Math.round((this.barWidth * Math.min(this.seen, steps)) / steps) : this.barWidth;
      parts.push(`${count} ${"━".repeat(filled)}${" ".repeat(this.barWidth - filled)}`);
    } else {
      parts.push(count);
    }
    const time = done || !steps ? formatDuration(elapsed) : formatDuration(perStep * (steps - this.seen));
    parts.push(this.verbose === 1 ? `${time} ${formatPerStep(perStep)}` : `- ${time} - ${formatPerStep(perStep)}`);
    const logs = formatLogs(this.logs);
    let line = parts.join(" ") + (logs ? ` - ${logs}` : "");
    if (this.live && !done && this.output.columns) line = line.slice(0, this.output.columns - 1);
    return line;
  }

  private draw(done: boolean): void {
    const line = this.render(done);
    if (this.live) this.output.write(`\r${line}\x1b[K${done ? "\n" : ""}`);
    else if (done) this.output.write(`${line}\n`);
  }
}
