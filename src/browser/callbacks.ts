// The `callbacks` namespace in a page: every callback that does not write files. CSVLogger,
// TensorBoard and HtmlReport write to folders, which a page has not: creating one says so.
import { needsNode } from "../platform/needs-node";
import { Callback } from "../callbacks/callback";

export { Callback } from "../callbacks/callback";
export type { BatchInfo, EpochLogs, CallbackModel } from "../callbacks/callback";
export { CallbackList } from "../callbacks/callback-list";
export { History } from "../callbacks/history";
export { ProgressBar, formatLogs } from "../callbacks/progress-bar";
export type { ProgressBarOptions, ProgressOutput } from "../callbacks/progress-bar";
export { LambdaCallback, lambda } from "../callbacks/lambda";
export { EarlyStopping, earlyStopping } from "../callbacks/early-stopping";
export type { EarlyStoppingOptions } from "../callbacks/early-stopping";
export { ModelCheckpoint, modelCheckpoint, formatPath } from "../callbacks/model-checkpoint";
export type { ModelCheckpointOptions } from "../callbacks/model-checkpoint";
export { TerminateOnNaN, terminateOnNaN } from "../callbacks/terminate-on-nan";
export { ReduceLROnPlateau, reduceLROnPlateau } from "../callbacks/reduce-lr-on-plateau";
export type { ReduceLROnPlateauOptions } from "../callbacks/reduce-lr-on-plateau";

const INSTEAD = "In a page, follow training with callbacks.lambda({ onEpochEnd: (epoch, logs) => … }) and fit's History.";

/** A callback class that exists under its Node name but says it needs Node when created. */
function writesFiles(name: string): new (...args: unknown[]) => Callback {
  return class extends Callback {
    constructor() {
      super();
      throw needsNode(name, INSTEAD);
    }
  };
}

export const CSVLogger = writesFiles("callbacks.CSVLogger (writes a CSV file)");
export const TensorBoard = writesFiles("callbacks.TensorBoard (writes event files)");
export const HtmlReport = writesFiles("callbacks.HtmlReport (writes an HTML file)");
export function csvLogger(): never {
  throw needsNode("callbacks.csvLogger (writes a CSV file)", INSTEAD);
}
export function tensorBoard(): never {
  throw needsNode("callbacks.tensorBoard (writes event files)", INSTEAD);
}
export function htmlReport(): never {
  throw needsNode("callbacks.htmlReport (writes an HTML file)", INSTEAD);
}
