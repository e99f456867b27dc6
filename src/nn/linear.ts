// Dense layer on the last axis: y = x · kernel + bias (Keras Dense; params named as Keras).
import { checkOptionKeys, optionKeys } from "../options-check";
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { RNG } from "../states";
import { StateTree, TensorTree } from "../tree";
import { denseBiasAct, hasBiasActKernels } from "../backend/kernels/bias-act";
import { BiasActLayer } from "./bias-act-layer";
import { Initializer, glorotUniform, zeros } from "./initializers";
import { Activation, asFloat32 } from "./module";

export interface LinearOptions {
  useBias?: boolean;
  /** Applied to the output (default none). */
  activation?: Activation;
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
  name?: string;
}

export const LINEAR_OPTIONS = optionKeys<LinearOptions>()(["useBias", "activation", "kernelInitializer", "biasInitializer", "name"]);

export class Linear extends BiasActLayer {
  readonly useBias: boolean;
  readonly activation?: Activation;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;

  constructor(
    readonly units: number,
    options: LinearOptions = {},
  ) {
    if (new.target === Linear) checkOptionKeys("new nn.Linear", options, LINEAR_OPTIONS);
    super("linear", options.name);
    if (!Number.isInteger(units) || units < 1) throw new ElegyInputError(`Linear units must be a positive integer, got ${units}.`);
    this.useBias = options.useBias ?? true;
    this.activation = options.activation;
    this.kernelInitializer = options.kernelInitializer ?? glorotUniform();
    this.biasInitializer = options.biasInitializer ?? zeros();
  }

  init(rng: RNG, x: TensorTree): { params: TensorTree; states: StateTree } {
    const input = this.tensorInput(x);
    const inFeatures = input.shape[input.rank - 1];
    const params: Record<string, tf.Tensor> = { kernel: this.kernelInitializer([inFeatures, this.units], rng.next()) };
    if (this.useBias) params.bias = this.biasInitializer([this.units], rng.next());
    return { params, states: {} };
  }

  /** x · kernel + bias (+ ReLU): one fused kernel (ours, with per-input gradients) where it applies, else tf ops. */
  protected forward(params: TensorTree, x: TensorTree, withRelu: boolean): tf.Tensor {
    const input = this.tensorInput(x);
    const { kernel } = this.paramsOf(params, ["kernel"]);
    const inFeatures = kernel.shape[0];
    if (input.shape[input.rank - 1] !== inFeatures) {
      throw new ElegyInputError(`${this.name} expects ${inFeatures} input features (last axis), got shape [${input.shape.join(", ")}].`);
    }
    const bias = this.useBias ? this.paramsOf(params, ["bias"]).bias : undefined;
    const lead = input.shape.slice(0, -1);
    const flat = asFloat32(input.rank === 2 ? input : tf.reshape(input, [-1, inFeatures]));
    const fusable = (bias !== undefined || withRelu) && hasBiasActKernels() && kernel.dtype === "float32" && kernel.rank === 2 &&
      (bias === undefined || (bias.dtype === "float32" && bias.rank === 1 && bias.shape[0] === kernel.shape[1]));
    let y: tf.Tensor;
    if (fusable) {
      y = denseBiasAct(flat, kernel, bias, withRelu ? "relu" : "linear");
    } else {
      y = tf.matMul(flat, kernel);
      if (bias) y = tf.add(y, bias);
      if (withRelu) y = tf.relu(y);
    }
    return input.rank === 2 ? y : tf.reshape(y, [...lead, this.units]);
  }
}
