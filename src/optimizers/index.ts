// optimizers namespace (API.md §6): functional optimizers whose state lives in states.optimizerStates.
export { SlotOptimizer } from "./optimizer";
export type { OptimizerOptions, OptimizerState, LeafUpdate } from "./optimizer";
export { SGD, sgd } from "./sgd";
export type { SGDOptions } from "./sgd";
export { Adam, adam } from "./adam";
export type { AdamOptions } from "./adam";
export { exponentialDecay, cosineDecay, linearWarmup, piecewiseConstantDecay } from "./schedules";
export type { Schedule, LearningRate, ExponentialDecayOptions, CosineDecayOptions, LinearWarmupOptions, PiecewiseConstantDecayOptions } from "./schedules";
export type { ClipOptions } from "./clipping";
