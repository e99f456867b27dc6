// Shared pieces of the built-in modules: a base class that holds the name, the activation
// type, and small checks on inputs.
import { optionKeys } from "../options-check";
import { tf } from "../tf";
import { ApplyContext, Module } from "../contracts";
import { ElegyInputError } from "../errors";
import { MissingParamsError } from "../missing-params";
import { RNG } from "../states";
import { StateTree, TensorTree, describeTree, isTensor } from "../tree";

/** An activation: a plain function of one tensor (nn.relu, nn.gelu, …). */
export type Activation = (x: tf.Tensor) => tf.Tensor;

/** What Sequential accepts: modules and activations. */
export type Layer = Module | Activation;

/** x as float32, without a Cast kernel (and its tape node) when it already is. */
/** The options of layers whose only option is their name (Flatten, Sequential, …). */
export const NAME_OPTIONS = optionKeys<{ name?: string }>()(["name"]);

export function asFloat32(x: tf.Tensor): tf.Tensor {
  return x.dtype === "float32" ? x : tf.cast(x, "float32");
}

/**
 * A module that can run a following nn.relu inside its own kernel: Sequential fuses
 * `[module, nn.relu]` into one `applyWithRelu` call when `fusesRelu` (the module has no
 * activation of its own). Same params, same results.
 */
export interface ReluFusable extends Module {
  readonly fusesRelu: boolean;
  applyWithRelu(params: TensorTree, states: StateTree, x: TensorTree, ctx: ApplyContext): [TensorTree, StateTree];
}

export function isReluFusable(x: unknown): x is ReluFusable {
  return isModule(x) && (x as Partial<ReluFusable>).fusesRelu === true && typeof (x as Partial<ReluFusable>).applyWithRelu === "function";
}

export function isModule(x: unknown): x is Module {
  return typeof x === "object" && x !== null && typeof (x as Module).init === "function" && typeof (x as Module).apply === "function";
}

export abstract class BaseModule implements Module {
  readonly name: string;

  constructor(defaultName: string, name?: string) {
    this.name = name ?? defaultName;
  }

  abstract init(rng: RNG, x: TensorTree): { params: TensorTree; states: StateTree };
  abstract apply(params: TensorTree, states: StateTree, x: TensorTree, ctx: ApplyContext): [TensorTree, StateTree];

  /** `x` as a single tensor of at least `minRank`, or a clear error. */
  protected tensorInput(x: TensorTree, minRank = 1): tf.Tensor {
    if (!isTensor(x)) throw new ElegyInputError(`${this.name} takes one Tensor as input, got ${describeTree(x)}.`);
    if (x.rank < minRank) {
      throw new ElegyInputError(`${this.name} needs an input of rank ≥ ${minRank}, got shape [${x.shape.join(", ")}].`);
    }
    return x;
  }

  /** Params as an object with the given tensor fields, or a clear error. */
  protected paramsOf<K extends string>(params: TensorTree, keys: readonly K[]): Record<K, tf.Tensor> {
    const p = params as Record<string, unknown> | undefined;
    const missing = keys.filter((k) => !isTensor(p?.[k]));
    if (missing.length > 0) {
      const problem = `${this.name}: params lack ${missing.map((k) => `'${k}'`).join(", ")}; got ${describeTree(params)}`;
      const message = `${problem}. Create them with ${this.name}.init(rng, x).`;
      throw params === undefined ? new MissingParamsError(`${this.name} was given no params (undefined)`, message) : new ElegyInputError(message);
    }
    return p as Record<K, tf.Tensor>;
  }
}
