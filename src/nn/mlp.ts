// A multilayer perceptron (Haiku's MLP): Linear layers of the given sizes with an activation
// between them (and after the last one only with activateFinal), optional dropout between.
import { checkOptionKeys, optionKeys } from "../options-check";
import { ApplyContext } from "../contracts";
import { ElegyInputError } from "../errors";
import { RNG } from "../states";
import { StateTree, TensorTree } from "../tree";
import { relu } from "./activations";
import { Dropout } from "./dropout";
import { Initializer } from "./initializers";
import { Linear } from "./linear";
import { Activation, BaseModule, Layer } from "./module";
import { Sequential } from "./sequential";

export interface MLPOptions {
  /** Default nn.relu. */
  activation?: Activation;
  /** Apply the activation after the last layer too (default false: the output is linear). */
  activateFinal?: boolean;
  /** Dropout rate after each hidden activation (default none). */
  dropout?: number;
  kernelInitializer?: Initializer;
  name?: string;
}

export const MLP_OPTIONS = optionKeys<MLPOptions>()(["activation", "activateFinal", "dropout", "kernelInitializer", "name"]);

export class MLP extends BaseModule {
  /** The layers as a Sequential (params keyed linear, linear_1, …). */
  readonly sequential: Sequential;

  constructor(
    readonly outputSizes: readonly number[],
    options: MLPOptions = {},
  ) {
    if (new.target === MLP) checkOptionKeys("new nn.MLP", options, MLP_OPTIONS);
    super("mlp", options.name);
    if (outputSizes.length === 0) throw new ElegyInputError("MLP needs at least one layer size.");
    const activation = options.activation ?? relu;
    const layers: Layer[] = [];
    outputSizes.forEach((size, i) => {
      const last = i === outputSizes.length - 1;
      layers.push(new Linear(size, { kernelInitializer: options.kernelInitializer }));
      if (!last || options.activateFinal) layers.push(activation);
      if (!last && options.dropout) layers.push(new Dropout(options.dropout));
    });
    this.sequential = new Sequential(layers, { name: this.name });
  }

  ready(): Promise<void> {
    return this.sequential.ready();
  }

  init(rng: RNG, x: TensorTree): { params: TensorTree; states: StateTree } {
    return this.sequential.init(rng, x);
  }

  apply(params: TensorTree, states: StateTree, x: TensorTree, ctx: ApplyContext): [TensorTree, StateTree] {
    return this.sequential.apply(params, states, x, ctx);
  }
}
