// Dense layer on the last axis: y = x · kernel + bias (Keras Dense; params named as Keras).
import { tf } from "../tf";
import { ApplyContext } from "../contracts";
import { ElegyInputError } from "../errors";
import { RNG } from "../states";
import { TensorTree } from "../tree";
import { Initializer, glorotUniform, zeros } from "./initializers";
import { Activation, BaseModule, asFloat32 } from "./module";

export interface LinearOptions {
  useBias?: boolean;
  /** Applied to the output (default none). */
  activation?: Activation;
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
  name?: string;
}

export class Linear extends BaseModule {
  readonly useBias: boolean;
  private readonly activation?: Activation;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;

  constructor(
    readonly units: number,
    options: LinearOptions = {},
  ) {
    super("linear", options.name);
    if (!Number.isInteger(units) || units < 1) throw new ElegyInputError(`Linear units must be a positive integer, got ${units}.`);
    this.useBias = options.useBias ?? true;
    this.activation = options.activation;
    this.kernelInitializer = options.kernelInitializer ?? glorotUniform();
    this.biasInitializer = options.biasInitializer ?? zeros();
  }

  init(rng: RNG, x: TensorTree): { params: TensorTree; states: TensorTree } {
    const input = this.tensorInput(x);
    const inFeatures = input.shape[input.rank - 1];
    const params: Record<string, tf.Tensor> = { kernel: this.kernelInitializer([inFeatures, this.units], rng.next()) };
    if (this.useBias) params.bias = this.biasInitializer([this.units], rng.next());
    return { params, states: {} };
  }

  apply(params: TensorTree, states: TensorTree, x: TensorTree, _ctx: ApplyContext): [TensorTree, TensorTree] {
    const input = this.tensorInput(x);
    const { kernel } = this.paramsOf(params, ["kernel"]);
    const inFeatures = kernel.shape[0];
    if (input.shape[input.rank - 1] !== inFeatures) {
      throw new ElegyInputError(`${this.name} expects ${inFeatures} input features (last axis), got shape [${input.shape.join(", ")}].`);
    }
    const lead = input.shape.slice(0, -1);
    const flat = input.rank === 2 ? input : tf.reshape(input, [-1, inFeatures]);
    let y: tf.Tensor = tf.matMul(asFloat32(flat), kernel);
    if (this.useBias) y = tf.add(y, this.paramsOf(params, ["bias"]).bias);
    if (input.rank !== 2) y = tf.reshape(y, [...lead, this.units]);
    return [this.activation ? this.activation(y) : y, states];
  }
}
