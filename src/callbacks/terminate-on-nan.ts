// TerminateOnNaN: stops fit at the first batch whose loss is NaN or infinite. It reads the
// running loss after every batch (one device read per batch, only while it is in use).
import { BatchInfo, Callback } from "./callback";
import { stderr } from "#platform/output";

export class TerminateOnNaN extends Callback {
  /** The epoch and batch (0-based) where training was terminated, if it was. */
  terminatedAt: { epoch: number; batch: number } | undefined;
  private epoch = 0;

  constructor(private readonly monitor = "loss") {
    super();
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  async onTrainBatchEnd(batch: number, info: BatchInfo): Promise<void> {
    const logs = await info.readLogs();
    const value = logs[this.monitor];
    // The epoch-to-date mean becomes NaN/Inf at the first bad batch and stays so.
    if (value !== undefined && !Number.isFinite(value)) {
      this.terminatedAt = { epoch: this.epoch, batch };
      stderr().write(`Batch ${batch}: Invalid ${this.monitor}, terminating training\n`);
      this.model!.stopTraining = true;
    }
  }
}

export function terminateOnNaN(options: { monitor?: string } = {}): TerminateOnNaN {
  return new TerminateOnNaN(options.monitor);
}
