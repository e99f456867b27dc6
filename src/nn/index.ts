// nn namespace (API.md §6): functional modules (classes) and activations (functions).
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
export { Flatten } from "./flatten";
export { Sequential } from "./sequential";
