// The public surface of elegy-ts in a web page: what package.json's `browser` condition resolves
// "elegy-ts" to. The same names as src/index.ts, from the same platform-neutral modules; what
// needs Node (files, worker threads, the native addon) comes from src/platform/browser/ through
// the #platform seams, or is a function that says it needs Node. Re-exports only.
import "../setup"; // first: reflect-metadata before tsyringe and any decorator; gradient registrations
export { tf } from "../tf";
export { Model } from "../model/model";
export type {
  ModelOptions, FitOptions, EvaluateOptions, PredictOptions, InitOptions, OnBatchOptions, TestOnBatchOptions, ApplyOptions,
  ValidationData,
} from "../model/options";
export { States, RNG } from "../states";
export type { StatesFields } from "../states";
export { predStep, testStep, gradStep, trainStep, initStep, trainer } from "../decorators";
export type { TrainerData, TrainerOptions, TrainerRun, TrainerSplit } from "../decorators";
export type { StepContext } from "../model/step-context";
export type { PredResult, TestResult, GradResult, TrainResult } from "../model/step-results";
export { valueAndGrad } from "../autodiff/grad";
export type { Logs, LogValue } from "../logs";
export { markRunning } from "../logs";
export type { StateTree, TensorTree } from "../tree";
export type { Module, ApplyContext, BatchContext, LossAggregate, MetricAggregate, Optimizer } from "../contracts";
export * from "../errors";
export * as callbacks from "./callbacks";
export * as report from "./report";
export * as nn from "../nn";
export * as losses from "../losses";
export * as metrics from "../metrics";
export * as optimizers from "../optimizers";
export { datasets } from "./datasets";
export type { DataInput } from "../loop/sources";
export type { SampleWeightInput } from "../loop/batches";
export type { ClassWeightInput } from "../loop/class-weight";
export type { MonitorMode } from "../callbacks/monitor";
export { saveCheckpoint, loadCheckpoint } from "#platform/checkpoint";
export type { Checkpoint, CheckpointInfo } from "../io/checkpoint-codec";
export type { ExportOptions, ExportResult } from "../io/export/export-model";
export type { LoadOptions } from "../model/checkpoint-io";
export { ensureBackend } from "#platform/backend";
/** Chooses and starts the backend (once per page; every model awaits the same start). Await it before making tensors. */
export { ensureBackend as ready } from "#platform/backend";
export * as backends from "./backends";

export type { Injectables } from "../injection/injectables";
