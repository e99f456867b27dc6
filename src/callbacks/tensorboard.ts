// TensorBoard: epoch logs as scalar summaries, as Keras writes them — `<logDir>/train` and
// `<logDir>/validation` runs, tags `epoch_<name>` (validation logs without their val_ prefix).
import { checkOptionKeys, optionKeys } from "../options-check";
import { EventFileWriter } from "../io/tfevents";
import * as path from "node:path";
import { Callback, EpochLogs } from "./callback";

export interface TensorBoardOptions {
  logDir?: string;
}

export const TENSORBOARD_OPTIONS = optionKeys<TensorBoardOptions>()(["logDir"]);

export class TensorBoard extends Callback {
  readonly logDir: string;
  private train: EventFileWriter | undefined;
  private validation: EventFileWriter | undefined;

  constructor(options: TensorBoardOptions = {}) {
    if (new.target === TensorBoard) checkOptionKeys("new callbacks.TensorBoard", options, TENSORBOARD_OPTIONS);
    super();
    this.logDir = options.logDir ?? "logs";
  }

  onEpochEnd(epoch: number, logs: EpochLogs): void {
    const train: Record<string, number> = {};
    const validation: Record<string, number> = {};
    for (const [name, value] of Object.entries(logs)) {
      if (name.startsWith("val_")) validation[`epoch_${name.slice(4)}`] = value;
      else train[`epoch_${name}`] = value;
    }
    (this.train ??= new EventFileWriter(path.join(this.logDir, "train"))).scalars(epoch, train);
    if (Object.keys(validation).length) {
      (this.validation ??= new EventFileWriter(path.join(this.logDir, "validation"))).scalars(epoch, validation);
    }
  }
}

export function tensorBoard(options?: TensorBoardOptions): TensorBoard {
  checkOptionKeys("callbacks.tensorBoard", options, TENSORBOARD_OPTIONS);
  return new TensorBoard(options);
}
