// Batch normalization (Keras BatchNormalization). Params: gamma, beta. States (netStates):
// moving_mean, moving_variance, updated as moving·momentum + batch·(1 − momentum) only while
// training; inference normalizes with them. Variance is the biased batch variance, as Keras 3
// and tfjs-layers.
import { checkOptionKeys, optionKeys } from "../options-check";
import { tf } from "../tf";
import { ApplyContext } from "../contracts";
import { ElegyInputError } from "../errors";
import { RNG } from "../states";
import { StateTree, TensorTree } from "../tree";
import { BaseModule } from "./module";

export interface BatchNormOptions {
  /** The feature axis (default −1, channels last). */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  /** Learn an offset beta (default true). */
  center?: boolean;
  /** Learn a scale gamma (default true). */
  scale?: boolean;
  name?: string;
}

export const BATCH_NORM_OPTIONS = optionKeys<BatchNormOptions>()(["axis", "momentum", "epsilon", "center", "scale", "name"]);

export class BatchNorm extends BaseModule {
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;

  constructor(options: BatchNormOptions = {}) {
    if (new.target === BatchNorm) checkOptionKeys("new nn.BatchNorm", options, BATCH_NORM_OPTIONS);
    super("batch_norm", options.name);
    this.axis = options.axis ?? -1;
    this.momentum = options.momentum ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-3;
    this.center = options.center ?? true;
    this.scale = options.scale ?? true;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new ElegyInputError(`BatchNorm momentum must be in [0, 1], got ${this.momentum}.`);
    if (!(this.epsilon > 0)) throw new ElegyInputError(`BatchNorm epsilon must be positive, got ${this.epsilon}.`);
  }

  private featureAxis(input: tf.Tensor): number {
    const axis = this.axis < 0 ? input.rank + this.axis : this.axis;
    if (axis < 1 || axis >= input.rank) {
      throw new ElegyInputError(`${this.name}: axis ${this.axis} is not a feature axis of an input of shape [${input.shape.join(", ")}].`);
    }
    return axis;
  }

  init(_rng: RNG, x: TensorTree): { params: TensorTree; states: StateTree } {
    const input = this.tensorInput(x, 2);
    const features = input.shape[this.featureAxis(input)];
    const params: Record<string, tf.Tensor> = {};
    if (this.scale) params.gamma = tf.ones([features]);
    if (this.center) params.beta = tf.zeros([features]);
    return { params, states: { moving_mean: tf.zeros([features]), moving_variance: tf.ones([features]) } };
  }

  apply(params: TensorTree, states: StateTree, x: TensorTree, ctx: ApplyContext): [TensorTree, StateTree] {
    const input = tf.cast(this.tensorInput(x, 2), "float32");
    const axis = this.featureAxis(input);
    const s = this.statesOf(states);
    const p = params as Record<string, tf.Tensor>;
    // Per-feature vectors reshaped to broadcast along `axis`.
    const shape = input.shape.map((d, i) => (i === axis ? d : 1));
    const along = (v: tf.Tensor) => tf.reshape(v, shape);
    const normalize = (mean: tf.Tensor, variance: tf.Tensor) => {
      let y = tf.mul(tf.sub(input, along(mean)), tf.rsqrt(tf.add(along(variance), this.epsilon)));
      if (this.scale) y = tf.mul(y, along(this.paramsOf(p, ["gamma"]).gamma));
      if (this.center) y = tf.add(y, along(this.paramsOf(p, ["beta"]).beta));
      return y;
    };
    if (!ctx.training) return [normalize(s.moving_mean, s.moving_variance), states];
    const reduceAxes = [...Array(input.rank).keys()].filter((i) => i !== axis);
    const { mean, variance } = tf.moments(input, reduceAxes);
    const decay = (moving: tf.Tensor, batch: tf.Tensor) => tf.add(tf.mul(moving, this.momentum), tf.mul(batch, 1 - this.momentum));
    const next = { moving_mean: decay(s.moving_mean, mean), moving_variance: decay(s.moving_variance, variance) };
    return [normalize(mean, variance), next];
  }

  private statesOf(states: StateTree): { moving_mean: tf.Tensor; moving_variance: tf.Tensor } {
    const s = states as Record<string, tf.Tensor> | undefined;
    if (!(s?.moving_mean instanceof tf.Tensor) || !(s?.moving_variance instanceof tf.Tensor)) {
      throw new ElegyInputError(`${this.name}: states lack moving_mean/moving_variance. Create them with ${this.name}.init(rng, x).`);
    }
    return s as { moving_mean: tf.Tensor; moving_variance: tf.Tensor };
  }
}
