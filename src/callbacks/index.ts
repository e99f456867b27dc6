// The `callbacks` namespace of the public API (API.md §6).
export { Callback } from "./callback";
export type { BatchInfo, EpochLogs, CallbackModel } from "./callback";
export { CallbackList } from "./callback-list";
export { History } from "./history";
export { ProgressBar, formatLogs } from "./progress-bar";
export type { ProgressBarOptions, ProgressOutput } from "./progress-bar";
export { LambdaCallback, lambda } from "./lambda";
