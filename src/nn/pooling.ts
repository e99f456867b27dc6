// 2-D max and average pooling over NHWC images (Keras MaxPooling2D / AveragePooling2D).
import { checkOptionKeys, optionKeys } from "../options-check";
import { tf } from "../tf";
import { ApplyContext } from "../contracts";
import { ElegyInputError } from "../errors";
import { RNG } from "../states";
import { StateTree, TensorTree } from "../tree";
import { Padding, Pair, checkPadding, pair } from "./conv2d";
import { hasMaxPoolArgmax, maxPoolWithArgmax } from "../backend/kernels/max-pool-argmax";
import { BaseModule, NAME_OPTIONS, asFloat32 } from "./module";

export interface Pool2DOptions {
  /** Default: the pool size. */
  strides?: Pair;
  padding?: Padding;
  name?: string;
}

export const POOL2D_OPTIONS = optionKeys<Pool2DOptions>()(["strides", "padding", "name"]);

abstract class Pool2D extends BaseModule {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor(defaultName: string, poolSize: Pair, options: Pool2DOptions) {
    super(defaultName, options.name);
    this.poolSize = pair(poolSize, `${defaultName} poolSize`);
    this.strides = pair(options.strides ?? this.poolSize, `${defaultName} strides`);
    this.padding = checkPadding(options.padding ?? "valid", defaultName);
  }

  protected abstract pool(x: tf.Tensor4D): tf.Tensor;

  init(_rng: RNG, _x: TensorTree): { params: TensorTree; states: StateTree } {
    return { params: {}, states: {} };
  }

  apply(_params: TensorTree, states: StateTree, x: TensorTree, _ctx: ApplyContext): [TensorTree, StateTree] {
    const input = this.tensorInput(x);
    if (input.rank !== 4) throw new ElegyInputError(`${this.name} takes images [batch, height, width, channels]; got shape [${input.shape.join(", ")}].`);
    return [this.pool(asFloat32(input) as tf.Tensor4D), states];
  }
}

export class MaxPool2D extends Pool2D {
  constructor(poolSize: Pair = 2, options: Pool2DOptions = {}) {
    if (new.target === MaxPool2D) checkOptionKeys("new nn.MaxPool2D", options, POOL2D_OPTIONS);
    super("max_pool2d", poolSize, options);
  }

  protected pool(x: tf.Tensor4D): tf.Tensor {
    // While a gradient is being recorded: the pooling that remembers each window's argmax, so
    // the gradient is a scatter instead of a re-scan. Otherwise tf.maxPool (XNNPACK on wasm).
    if (x.dtype === "float32" && tf.engine().isTapeOn() && hasMaxPoolArgmax()) return maxPoolWithArgmax(x, this.poolSize, this.strides, this.padding);
    return tf.maxPool(x, this.poolSize, this.strides, this.padding);
  }
}

export class AvgPool2D extends Pool2D {
  constructor(poolSize: Pair = 2, options: Pool2DOptions = {}) {
    if (new.target === AvgPool2D) checkOptionKeys("new nn.AvgPool2D", options, POOL2D_OPTIONS);
    super("avg_pool2d", poolSize, options);
  }

  protected pool(x: tf.Tensor4D): tf.Tensor {
    return tf.avgPool(x, this.poolSize, this.strides, this.padding);
  }
}

/** Mean over height and width: [batch, h, w, c] → [batch, c]. */
export class GlobalAvgPool2D extends BaseModule {
  constructor(options: { name?: string } = {}) {
    if (new.target === GlobalAvgPool2D) checkOptionKeys("new nn.GlobalAvgPool2D", options, NAME_OPTIONS);
    super("global_avg_pool2d", options.name);
  }

  init(_rng: RNG, _x: TensorTree): { params: TensorTree; states: StateTree } {
    return { params: {}, states: {} };
  }

  apply(_params: TensorTree, states: StateTree, x: TensorTree, _ctx: ApplyContext): [TensorTree, StateTree] {
    const input = this.tensorInput(x, 4);
    return [tf.mean(tf.cast(input, "float32"), [1, 2]), states];
  }
}
