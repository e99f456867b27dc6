// Flattens every axis after the batch axis: [batch, ...] → [batch, product].
import { checkOptionKeys } from "../options-check";
import { tf } from "../tf";
import { ApplyContext } from "../contracts";
import { RNG } from "../states";
import { StateTree, TensorTree } from "../tree";
import { BaseModule, NAME_OPTIONS } from "./module";

export class Flatten extends BaseModule {
  constructor(options: { name?: string } = {}) {
    if (new.target === Flatten) checkOptionKeys("new nn.Flatten", options, NAME_OPTIONS);
    super("flatten", options.name);
  }

  init(_rng: RNG, _x: TensorTree): { params: TensorTree; states: StateTree } {
    return { params: {}, states: {} };
  }

  apply(_params: TensorTree, states: StateTree, x: TensorTree, _ctx: ApplyContext): [TensorTree, StateTree] {
    const input = this.tensorInput(x);
    return [tf.reshape(input, [input.shape[0] ?? -1, -1]), states];
  }
}
