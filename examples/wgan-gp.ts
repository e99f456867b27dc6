// WGAN-GP (Gulrajani et al. 2017) on MNIST: a custom @trainStep with two optimizers — the
// critic's, with a gradient penalty on interpolates, and the generator's. After training, the
// trainer writes a PNG grid of generated digits into its out dir (runs/WGANGP/samples.png).
//   elegy-ts train examples/wgan-gp.ts
import * as fs from "node:fs";
import * as path from "node:path";
import {
  Model, States, datasets, nn, optimizers, predStep, report, tf, trainStep, trainer, valueAndGrad,
  type Logs, type ModelOptions, type TensorTree,
} from "elegy-ts";

export const NOISE = 32;

// A type alias, not an interface: only aliases are assignable to States' tree type (an index signature).
type GanParams = {
  generator: TensorTree;
  critic: TensorTree;
};

export async function images(limit?: number) {
  const { train } = await datasets.mnist({ trainSize: limit, testSize: 1 });
  // Pixels in [-1, 1], the generator's tanh range.
  return { train: { x: tf.tidy(() => train.x.div(127.5).sub(1).reshape([train.x.shape[0], 784])) } };
}

@trainer({
  data: () => images(),
  epochs: 5,
  batchSize: 64,
  afterTraining: async (model: WGANGP, run) => {
    const file = path.join(run.outDir, "samples.png");
    await writeSamples(model, file);
    run.log(`Samples: ${path.relative(process.cwd(), file)}`);
  },
})
export class WGANGP extends Model {
  readonly generator = new nn.MLP([256, 784], { activation: nn.leakyRelu });
  readonly critic = new nn.MLP([256, 1], { activation: nn.leakyRelu });
  readonly generatorOptimizer = optimizers.adam({ learningRate: 1e-4, beta1: 0.5, beta2: 0.9 });
  readonly criticOptimizer = optimizers.adam({ learningRate: 1e-4, beta1: 0.5, beta2: 0.9 });
  /** Weight of the gradient penalty (λ in the paper). */
  penaltyWeight = 10;

  constructor(options: ModelOptions = {}) {
    super(options);
  }

  /** Noise → images in [-1, 1]. Uses only the generator. */
  @predStep
  generate(x: tf.Tensor, states: States): [tf.Tensor, States] {
    const params = states.netParams as GanParams;
    return [this.fake(params.generator, x, states), states];
  }

  @trainStep
  train(x: tf.Tensor, states: States, initializing: boolean): [Logs, States] {
    const rng = states.rng;
    if (initializing) {
      const params: GanParams = {
        generator: this.generator.init(rng, tf.zeros([1, NOISE])).params,
        critic: this.critic.init(rng, tf.zeros([1, 784])).params,
      };
      return [{}, states.update({
        netParams: params,
        optimizerStates: { generator: this.generatorOptimizer.init(params.generator), critic: this.criticOptimizer.init(params.critic) },
      })];
    }
    const params = states.netParams as GanParams;
    const opt = states.optimizerStates as { generator: TensorTree; critic: TensorTree };
    const batch = x.shape[0];
    const noise = () => tf.randomNormal([batch, NOISE], 0, 1, "float32", rng.next());

    // Critic: E[C(fake)] − E[C(real)] + λ·E[(‖∇C(x̂)‖ − 1)²] on x̂ between real and fake.
    const fake = this.fake(params.generator, noise(), states);
    const eps = tf.randomUniform([batch, 1], 0, 1, "float32", rng.next());
    const interpolates = eps.mul(x).add(tf.scalar(1).sub(eps).mul(fake));
    const critic = valueAndGrad((criticParams) => {
      const wasserstein = tf.mean(this.score(criticParams, fake, states)).sub(tf.mean(this.score(criticParams, x, states)));
      const inputGrad = tf.grad((xs: tf.Tensor) => tf.sum(this.score(criticParams, xs, states)))(interpolates);
      const penalty = tf.mean(tf.square(tf.sqrt(tf.sum(tf.square(inputGrad), -1).add(1e-12)).sub(1)));
      return [wasserstein.add(penalty.mul(this.penaltyWeight)) as tf.Scalar, { wasserstein, penalty }];
    }, params.critic);
    const [criticParams, criticOpt] = this.criticOptimizer.apply(params.critic, critic.grads, opt.critic);

    // Generator: −E[C(G(z))] against the updated critic.
    const gen = valueAndGrad((generatorParams) => {
      const loss = tf.neg(tf.mean(this.score(criticParams, this.fake(generatorParams, noise(), states), states))) as tf.Scalar;
      return [loss, undefined];
    }, params.generator);
    const [generatorParams, generatorOpt] = this.generatorOptimizer.apply(params.generator, gen.grads, opt.generator);

    return [
      { critic_loss: critic.value, generator_loss: gen.value, wasserstein: tf.neg(critic.aux.wasserstein), gradient_penalty: critic.aux.penalty },
      states.update({
        netParams: { generator: generatorParams, critic: criticParams },
        optimizerStates: { generator: generatorOpt, critic: criticOpt },
      }),
    ];
  }

  private fake(generatorParams: TensorTree, z: tf.Tensor, states: States): tf.Tensor {
    const [out] = this.generator.apply(generatorParams, {}, z, { training: true, rng: states.rng });
    return tf.tanh(out as tf.Tensor);
  }

  private score(criticParams: TensorTree, images: tf.Tensor, states: States): tf.Tensor {
    return this.critic.apply(criticParams, {}, images, { training: true, rng: states.rng })[0] as tf.Tensor;
  }
}

/** Writes a PNG grid of `count` generated digits. */
export async function writeSamples(model: WGANGP, file: string, count = 64): Promise<void> {
  const z = tf.randomNormal([count, NOISE], 0, 1, "float32", 11);
  const out = (await model.predict(z)) as tf.Tensor;
  const pixels = tf.tidy(() => out.add(1).div(2));
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, report.imageGridPng(await pixels.data(), count, 28));
  tf.dispose([z, out, pixels]);
}
