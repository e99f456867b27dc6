// nn namespace (docs/guide.md): functional modules (classes) and activations (functions).
export { BaseModule, isModule } from "./module";
export type { Activation, Layer } from "./module";
export * as initializers from "./initializers";
export type { Initializer } from "./initializers";
export {
  relu, relu6, gelu, geluApproximate, sigmoid, tanh, softmax, logSoftmax, elu, selu,
  softplus, swish, silu, leakyRelu, makeLeakyRelu, identity,
} from "./activations";
export { Linear } from "./linear";
export type { LinearOptions } from "./linear";
export { Conv2D } from "./conv2d";
export type { Conv2DOptions, Pair, Padding } from "./conv2d";
export { MaxPool2D, AvgPool2D, GlobalAvgPool2D } from "./pooling";
export type { Pool2DOptions } from "./pooling";
export { Flatten } from "./flatten";
export { Dropout } from "./dropout";
export type { DropoutOptions } from "./dropout";
export { BatchNorm } from "./batch-norm";
export type { BatchNormOptions } from "./batch-norm";
export { Sequential } from "./sequential";
export { MLP } from "./mlp";
export type { MLPOptions } from "./mlp";
export { LayersAdapter, fromLayers } from "./layers-adapter";
export type { LayersAdapterOptions, LayersModelSource } from "./layers-adapter";
export { summary, summaryRows } from "./summary";
export type { SummaryRow, SummaryOptions } from "./summary";
