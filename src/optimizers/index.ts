// optimizers namespace (docs/guide.md): functional optimizers whose state lives in states.optimizerStates.
export { SlotOptimizer } from "./optimizer";
export type { OptimizerOptions, OptimizerState, LeafUpdate } from "./optimizer";
export { SGD, sgd } from "./sgd";
export type { SGDOptions } from "./sgd";
export { Adam, adam } from "./adam";
export type { AdamOptions } from "./adam";
export { AdamW, adamw } from "./adamw";
export type { AdamWOptions } from "./adamw";
export { RMSprop, rmsprop } from "./rmsprop";
export type { RMSpropOptions } from "./rmsprop";
export { Adagrad, adagrad } from "./adagrad";
export type { AdagradOptions } from "./adagrad";
export { exponentialDecay, cosineDecay, linearWarmup, piecewiseConstantDecay } from "./schedules";
export type { Schedule, LearningRate, ExponentialDecayOptions, CosineDecayOptions, LinearWarmupOptions, PiecewiseConstantDecayOptions } from "./schedules";
export type { ClipOptions } from "./clipping";
