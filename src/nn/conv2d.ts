// 2-D convolution over NHWC images (Keras Conv2D; params `kernel` [kh, kw, in, filters], `bias`).
import { checkOptionKeys, optionKeys } from "../options-check";
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { RNG } from "../states";
import { StateTree, TensorTree } from "../tree";
import { conv2dBiasAct, hasBiasActKernels } from "../backend/kernels/bias-act";
import { conv2dBiasReluMaxPool, convReluPoolApplies } from "../backend/kernels/conv-relu-pool";
import { BiasActLayer } from "./bias-act-layer";
import { Initializer, glorotUniform, zeros } from "./initializers";
import { Activation, asFloat32 } from "./module";

export type Pair = number | [number, number];
export type Padding = "valid" | "same";

export function pair(value: Pair, what: string): [number, number] {
  const p: [number, number] = typeof value === "number" ? [value, value] : value;
  if (p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new ElegyInputError(`${what} must be a positive integer or a pair of them, got ${JSON.stringify(value)}.`);
  }
  return p;
}

export function checkPadding(padding: string, owner: string): Padding {
  if (padding !== "valid" && padding !== "same") throw new ElegyInputError(`${owner}: padding must be "valid" or "same", got "${padding}".`);
  return padding;
}

export interface Conv2DOptions {
  strides?: Pair;
  padding?: Padding;
  dilationRate?: Pair;
  useBias?: boolean;
  activation?: Activation;
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
  name?: string;
}

export const CONV2D_OPTIONS = optionKeys<Conv2DOptions>()(["strides", "padding", "dilationRate", "useBias", "activation", "kernelInitializer", "biasInitializer", "name"]);

export class Conv2D extends BiasActLayer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly useBias: boolean;
  readonly activation?: Activation;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;

  constructor(
    readonly filters: number,
    kernelSize: Pair,
    options: Conv2DOptions = {},
  ) {
    if (new.target === Conv2D) checkOptionKeys("new nn.Conv2D", options, CONV2D_OPTIONS);
    super("conv2d", options.name);
    if (!Number.isInteger(filters) || filters < 1) throw new ElegyInputError(`Conv2D filters must be a positive integer, got ${filters}.`);
    this.kernelSize = pair(kernelSize, "Conv2D kernelSize");
    this.strides = pair(options.strides ?? 1, "Conv2D strides");
    this.dilationRate = pair(options.dilationRate ?? 1, "Conv2D dilationRate");
    this.padding = checkPadding(options.padding ?? "valid", "Conv2D");
    this.useBias = options.useBias ?? true;
    this.activation = options.activation;
    this.kernelInitializer = options.kernelInitializer ?? glorotUniform();
    this.biasInitializer = options.biasInitializer ?? zeros();
  }

  init(rng: RNG, x: TensorTree): { params: TensorTree; states: StateTree } {
    const input = this.image(x);
    const channels = input.shape[3];
    const params: Record<string, tf.Tensor> = { kernel: this.kernelInitializer([...this.kernelSize, channels, this.filters], rng.next()) };
    if (this.useBias) params.bias = this.biasInitializer([this.filters], rng.next());
    return { params, states: {} };
  }

  /** conv + bias (+ ReLU): one fused kernel (ours, with per-input gradients) where it applies, else tf ops. */
  protected forward(params: TensorTree, x: TensorTree, withRelu: boolean): tf.Tensor {
    const input = asFloat32(this.image(x)) as tf.Tensor4D;
    const kernel = this.paramsOf(params, ["kernel"]).kernel as tf.Tensor4D;
    const bias = this.useBias ? this.paramsOf(params, ["bias"]).bias : undefined;
    const fusable = (bias !== undefined || withRelu) && hasBiasActKernels() && kernel.dtype === "float32" && kernel.rank === 4 &&
      kernel.shape[2] === input.shape[3] && this.dilationRate[0] === 1 && this.dilationRate[1] === 1 &&
      (bias === undefined || (bias.dtype === "float32" && bias.rank === 1 && bias.shape[0] === kernel.shape[3]));
    if (fusable) return conv2dBiasAct(input, kernel, bias, this.strides, this.padding, withRelu ? "relu" : "linear");
    let y: tf.Tensor = tf.conv2d(input, kernel, this.strides, this.padding, "NHWC", this.dilationRate);
    if (bias) y = tf.add(y, bias);
    return withRelu ? tf.relu(y) : y;
  }

  /**
   * maxPool(relu(this layer's output)) as one native kernel (Sequential's [Conv2D, nn.relu, MaxPool2D]),
   * or undefined where that kernel does not apply: then the layers run one by one, as without the fusion.
   */
  reluMaxPool(params: TensorTree, x: TensorTree, pool: { poolSize: [number, number]; strides: [number, number]; padding: Padding }): tf.Tensor | undefined {
    const input = this.image(x);
    const kernel = this.paramsOf(params, ["kernel"]).kernel as tf.Tensor4D;
    const bias = this.useBias ? this.paramsOf(params, ["bias"]).bias : undefined;
    if (this.dilationRate[0] !== 1 || this.dilationRate[1] !== 1) return undefined;
    if (bias !== undefined && (bias.dtype !== "float32" || bias.rank !== 1 || bias.shape[0] !== kernel.shape[3])) return undefined;
    if (!convReluPoolApplies(input, kernel, this.strides, this.padding, pool.poolSize, pool.strides, pool.padding)) return undefined;
    return conv2dBiasReluMaxPool(input, kernel, bias, this.strides, this.padding, pool.poolSize, pool.strides);
  }

  private image(x: TensorTree): tf.Tensor4D {
    const input = this.tensorInput(x);
    if (input.rank !== 4) {
      throw new ElegyInputError(`${this.name} takes images [batch, height, width, channels]; got shape [${input.shape.join(", ")}]. Reshape (e.g. add a channel axis) first.`);
    }
    return input as tf.Tensor4D;
  }
}
