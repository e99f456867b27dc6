// The trainer's own callback: history.csv and the checkpoint of each epoch, written where the run
// folder says — aside while an --overwrite run has no checkpoint yet, then in the out-dir, which
// it takes over right after its first checkpoint (see run-folder.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { Callback, CallbackModel, EpochLogs } from "../callbacks/callback";
import { CSVLogger, csvLogger } from "../callbacks/csv-logger";
import { ModelCheckpoint, modelCheckpoint } from "../callbacks/model-checkpoint";
import { hasCheckpoint } from "../io/checkpoint";
import { RunFolder } from "./run-folder";

export class RunFiles extends Callback {
  private csv!: CSVLogger;
  private checkpoint!: ModelCheckpoint;

  constructor(
    private readonly folder: RunFolder,
    append: boolean,
  ) {
    super();
    this.target(append);
  }

  /** New writers for the folder's current place; `append` keeps the rows already there. */
  private target(append: boolean): void {
    const dir = this.folder.dir();
    this.csv = csvLogger({ filename: path.join(dir, "history.csv"), append });
    this.checkpoint = modelCheckpoint({ filepath: path.join(dir, "checkpoint") });
    if (this.model) this.setModel(this.model);
    this.csv.setParams(this.params);
    this.checkpoint.setParams(this.params);
  }

  override setModel(model: CallbackModel): void {
    super.setModel(model);
    this.csv.setModel(model);
    this.checkpoint.setModel(model);
  }

  override setParams(params: Record<string, unknown>): void {
    super.setParams(params);
    this.csv.setParams(params);
    this.checkpoint.setParams(params);
  }

  onTrainBegin(): void {
    this.csv.onTrainBegin();
  }

  async onEpochEnd(epoch: number, logs: EpochLogs): Promise<void> {
    this.csv.onEpochEnd(epoch, logs);
    await this.checkpoint.onEpochEnd(epoch, logs);
    // A replacing run takes the out-dir once it has a checkpoint that agrees with its history.
    if (this.folder.staged() && hasCheckpoint(path.join(this.folder.dir(), "checkpoint"))) this.swapIn();
  }

  /** Moves a replacing run into the out-dir (also at the end of a run that never checkpointed). */
  swapIn(): void {
    if (!this.folder.staged()) return;
    this.folder.swapIn();
    this.target(true);
    this.csv.onTrainBegin();
  }
}
