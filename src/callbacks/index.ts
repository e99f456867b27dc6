// The `callbacks` namespace of the public API (API.md §6).
export { Callback } from "./callback";
export type { BatchInfo, EpochLogs, CallbackModel } from "./callback";
export { CallbackList } from "./callback-list";
export { History } from "./history";
export { EpochLine } from "./epoch-line";
export { LambdaCallback, lambda } from "./lambda";
