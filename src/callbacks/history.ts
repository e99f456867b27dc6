// History: what fit returns (Keras' History callback): one number per epoch for each log.
import { Callback, EpochLogs } from "./callback";

export class History extends Callback {
  /** The epochs that ran (0-based, as Keras counts). */
  readonly epoch: number[] = [];
  /** Log name → one value per epoch; validation logs carry the prefix `val_`. */
  readonly history: Record<string, number[]> = {};

  onEpochEnd(epoch: number, logs: EpochLogs): void {
    this.epoch.push(epoch);
    for (const [name, value] of Object.entries(logs)) {
      // A log that first appears late is padded so every series stays aligned with `epoch`.
      (this.history[name] ??= new Array(this.epoch.length - 1).fill(NaN)).push(value);
    }
  }
}
