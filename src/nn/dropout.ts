// Dropout: while training, zeroes each unit with probability `rate` and scales the rest by
// 1/(1−rate); the identity otherwise. Its randomness comes from ctx.rng, so runs are reproducible.
import { checkOptionKeys, optionKeys } from "../options-check";
import { tf } from "../tf";
import { ApplyContext } from "../contracts";
import { ElegyInputError } from "../errors";
import { RNG } from "../states";
import { StateTree, TensorTree } from "../tree";
import { BaseModule } from "./module";

export interface DropoutOptions {
  /** Shape of the keep/drop mask, broadcast over the input (e.g. [batch, 1, 1, channels]). */
  noiseShape?: number[];
  name?: string;
}

export const DROPOUT_OPTIONS = optionKeys<DropoutOptions>()(["noiseShape", "name"]);

export class Dropout extends BaseModule {
  readonly noiseShape?: number[];

  constructor(
    readonly rate: number,
    options: DropoutOptions = {},
  ) {
    if (new.target === Dropout) checkOptionKeys("new nn.Dropout", options, DROPOUT_OPTIONS);
    super("dropout", options.name);
    if (!(rate >= 0 && rate < 1)) throw new ElegyInputError(`Dropout rate must be in [0, 1), got ${rate}.`);
    this.noiseShape = options.noiseShape;
  }

  init(_rng: RNG, _x: TensorTree): { params: TensorTree; states: StateTree } {
    return { params: {}, states: {} };
  }

  apply(_params: TensorTree, states: StateTree, x: TensorTree, ctx: ApplyContext): [TensorTree, StateTree] {
    const input = this.tensorInput(x);
    if (!ctx.training || this.rate === 0) return [input, states];
    return [tf.dropout(tf.cast(input, "float32"), this.rate, this.noiseShape, ctx.rng.next()), states];
  }
}
