// The `callbacks` namespace of the public API (API.md §6): Keras' callbacks, camelCase.
export { Callback } from "./callback";
export type { BatchInfo, EpochLogs, CallbackModel } from "./callback";
export { CallbackList } from "./callback-list";
export { History } from "./history";
export { ProgressBar, formatLogs } from "./progress-bar";
export type { ProgressBarOptions, ProgressOutput } from "./progress-bar";
export { LambdaCallback, lambda } from "./lambda";
export { EarlyStopping, earlyStopping } from "./early-stopping";
export type { EarlyStoppingOptions } from "./early-stopping";
export { ModelCheckpoint, modelCheckpoint, formatPath } from "./model-checkpoint";
export type { ModelCheckpointOptions } from "./model-checkpoint";
export { CSVLogger, csvLogger } from "./csv-logger";
export type { CSVLoggerOptions } from "./csv-logger";
export { TensorBoard, tensorBoard } from "./tensorboard";
export type { TensorBoardOptions } from "./tensorboard";
export { TerminateOnNaN, terminateOnNaN } from "./terminate-on-nan";
export { HtmlReport, htmlReport } from "./html-report";
export type { HtmlReportOptions } from "./html-report";
