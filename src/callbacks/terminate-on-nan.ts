// TerminateOnNaN: stops fit at the first batch whose loss is NaN or infinite. It reads the
// running loss after every batch (one device read per batch, only while it is in use).
// By then that batch's update has usually made the params NaN too, so (unless restore is
// false) it keeps the trainable States of the last two batch starts — clones share their
// tensors' data, so a snapshot copies nothing — and puts back the newest one whose params are
// all finite. Its log line says which, or that the params are not finite.
import { checkOptionKeys, optionKeys } from "../options-check";
import { tf } from "../tf";
import type { StatesFields } from "../states";
import { mapTree } from "../tree";
import { BatchInfo, Callback } from "./callback";
import { allFinite } from "./finite";
import { stderr } from "#platform/output";

export interface TerminateOnNaNOptions {
  /** The log to watch (default "loss"). */
  monitor?: string;
  /**
   * Put back the last finite params, net states and optimizer states when terminating
   * (default true). Costs a reference to two older States (their memory stays in use).
   */
  restore?: boolean;
}

export const TERMINATE_ON_NAN_OPTIONS = optionKeys<TerminateOnNaNOptions>()(["monitor", "restore"]);

const TRAINABLE = ["netParams", "netStates", "optimizerStates"] as const;
type Snapshot = { batch: number; fields: Partial<Pick<StatesFields, (typeof TRAINABLE)[number]>> };

export class TerminateOnNaN extends Callback {
  /** The epoch and batch (0-based) where training was terminated, if it was. */
  terminatedAt: { epoch: number; batch: number } | undefined;
  /** The batch whose starting States were put back when terminating (undefined: none were). */
  restoredFrom: { epoch: number; batch: number } | undefined;
  private epoch = 0;
  private readonly monitor: string;
  private readonly restore: boolean;
  /** The States at the start of the previous and the current batch (oldest first). */
  private snapshots: Snapshot[] = [];

  constructor(options: TerminateOnNaNOptions | string = {}) {
    if (new.target === TerminateOnNaN && typeof options !== "string") checkOptionKeys("new callbacks.TerminateOnNaN", options, TERMINATE_ON_NAN_OPTIONS);
    super();
    const o = typeof options === "string" ? { monitor: options } : options;
    this.monitor = o.monitor ?? "loss";
    this.restore = o.restore ?? true;
  }

  onTrainBegin(): void {
    this.terminatedAt = undefined;
    this.restoredFrom = undefined;
    this.drop(this.snapshots);
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  onTrainBatchBegin(batch: number): void {
    if (!this.restore || !this.model) return;
    const states = this.model.states;
    const fields: Snapshot["fields"] = {};
    // tf.clone shares the data (tensors are immutable): the snapshot costs no copy.
    for (const f of TRAINABLE) if (states[f] !== undefined) (fields as Record<string, unknown>)[f] = mapTree(states[f], (t) => tf.keep(tf.clone(t)));
    this.snapshots.push({ batch, fields });
    if (this.snapshots.length > 2) this.drop(this.snapshots.splice(0, 1));
  }

  async onTrainBatchEnd(batch: number, info: BatchInfo): Promise<void> {
    const logs = await info.readLogs();
    const value = logs[this.monitor];
    // The epoch-to-date mean becomes NaN/Inf at the first bad batch and stays so.
    if (value === undefined || Number.isFinite(value)) return;
    this.terminatedAt = { epoch: this.epoch, batch };
    this.model!.stopTraining = true;
    stderr().write(`Batch ${batch}: Invalid ${this.monitor} (${value}), terminating training. ${this.putBackFinite()}\n`);
  }

  onTrainEnd(): void {
    this.drop(this.snapshots);
  }

  /** Restores the newest finite snapshot; says what the model holds now. */
  private putBackFinite(): string {
    if (!this.restore) return "The params may hold NaN or Infinity now (restore: false); load a checkpoint before using the model.";
    const model = this.model!;
    if (allFinite(TRAINABLE.map((f) => model.states[f]))) return "The params are still finite; they are kept.";
    for (const snapshot of [...this.snapshots].reverse()) {
      if (!allFinite(Object.values(snapshot.fields))) continue;
      model.setStates(model.states.update(snapshot.fields));
      this.snapshots = this.snapshots.filter((s) => s !== snapshot); // the model holds its tensors now
      this.restoredFrom = { epoch: this.epoch, batch: snapshot.batch };
      return `Restored the params, net states and optimizer states from the start of batch ${snapshot.batch}, the last that were finite.`;
    }
    return "The params hold NaN or Infinity (so did the States of the last two batches); load a checkpoint before using the model.";
  }

  private drop(snapshots: Snapshot[]): void {
    for (const s of snapshots) tf.dispose(Object.values(s.fields) as tf.TensorContainer[]);
    if (snapshots === this.snapshots) this.snapshots = [];
  }
}

export function terminateOnNaN(options: TerminateOnNaNOptions = {}): TerminateOnNaN {
  checkOptionKeys("callbacks.terminateOnNaN", options, TERMINATE_ON_NAN_OPTIONS);
  return new TerminateOnNaN(options);
}
