/// <reference types="node" preserve="true" />
// (Our declarations use Node's types, e.g. Buffer: the reference makes a user's build load them, from @types/node, a dependency.)
// The public surface of elegy-ts (docs/guide.md). Re-exports only.
/**
 * Elegy's step-override training framework for TypeScript and TensorFlow.js: `Model`, the step
 * decorators, `@trainer`, `nn`, `losses`, `metrics`, `optimizers`, `callbacks`, `datasets`.
 * @module elegy-ts
 */
import "./setup"; // first: reflect-metadata before tsyringe and any decorator; gradient registrations
export { tf } from "./tf";
import { registerFileLoader } from "./io/export/file-router";
registerFileLoader(); // tf.loadLayersModel("file://…") in Node without tfjs-node
export { Model } from "./model/model";
export type {
  ModelOptions, FitOptions, EvaluateOptions, PredictOptions, InitOptions, OnBatchOptions, TestOnBatchOptions, ApplyOptions,
  ValidationData,
} from "./model/options";
export { States, RNG } from "./states";
export type { StatesFields } from "./states";
export { predStep, testStep, gradStep, trainStep, initStep, trainer } from "./decorators";
export type { TrainerData, TrainerOptions, TrainerRun, TrainerSplit, StepDecorator } from "./decorators";
export type { SweepParam, SweepTarget } from "./sweep/spec";
export type { StepContext } from "./model/step-context";
export type { PredResult, TestResult, GradResult, TrainResult } from "./model/step-results";
export { valueAndGrad } from "./autodiff/grad";
export type { Logs, LogValue } from "./logs";
export { markRunning } from "./logs";
export type { StateTree, TensorTree } from "./tree";
export type { Module, ApplyContext, BatchContext, LossAggregate, MetricAggregate, Optimizer } from "./contracts";
export * from "./errors";
export * as callbacks from "./callbacks";
export * as report from "./report";
export * as nn from "./nn";
export * as losses from "./losses";
export * as metrics from "./metrics";
export * as optimizers from "./optimizers";
export { datasets } from "./data";
export type { MnistArrays, MnistOptions, MnistSplit } from "./data";
export type { DataInput, DataSplit } from "./loop/sources";
export type { SampleWeightInput } from "./loop/batches";
export type { ClassWeightInput } from "./loop/class-weight";
export type { MonitorMode } from "./callbacks/monitor";
export { saveCheckpoint, loadCheckpoint } from "./io/checkpoint";
export type { Checkpoint, CheckpointInfo } from "./io/checkpoint";
export type { Architecture, ArchitectureField, LeafRecord, LeafTables, SpecTree, TensorSpec } from "./io/architecture";
export type { ExportOptions, ExportResult } from "./io/export/export-model";
export type { LoadOptions } from "./model/checkpoint-io";
export { ensureBackend } from "./backend";
/** Chooses and starts the backend (once per process; every model awaits the same start). Await it before making tensors. */
export { ensureBackend as ready } from "./backend";
export * as backends from "./backend";

export type { Injectables } from "./injection/injectables";
