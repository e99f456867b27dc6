// A variational autoencoder (Elegy's VAE example): the @testStep uses an encoder and a
// decoder and returns reconstruction + KL loss; the @predStep uses only the decoder, turning
// latent codes into images. After training, the trainer writes a PNG grid of sampled digits
// into its out dir (runs/VAE/samples.png).
//   elegy-ts train examples/vae.ts
import * as fs from "node:fs";
import * as path from "node:path";
import { Model, States, datasets, nn, optimizers, predStep, report, testStep, tf, trainer, type Logs, type ModelOptions, type TensorTree } from "elegy-ts";

export const LATENT = 16;

// A type alias, not an interface: only aliases are assignable to States' tree type (an index signature).
type VAEParams = {
  encoder: TensorTree;
  decoder: TensorTree;
};

export async function images(limit?: { train?: number; test?: number }) {
  const { train, test } = await datasets.mnist({ trainSize: limit?.train, testSize: limit?.test });
  const scale = (x: tf.Tensor) => tf.tidy(() => x.div(255).reshape([x.shape[0], 784]));
  return { train: { x: scale(train.x) }, test: { x: scale(test.x) } };
}

/** −log p(x | logits) per pixel for Bernoulli pixels, stable for large logits. */
function bernoulliNll(x: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.relu(logits).sub(logits.mul(x)).add(tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
}

@trainer({
  data: () => images(),
  epochs: 5,
  batchSize: 64,
  afterTraining: async (model: VAE, run) => {
    const file = path.join(run.outDir, "samples.png");
    await writeSamples(model, file);
    run.log(`Samples: ${path.relative(process.cwd(), file)}`);
  },
})
export class VAE extends Model {
  readonly encoder = new nn.MLP([256, 2 * LATENT]);
  readonly decoder = new nn.MLP([256, 784]);
  /** Weight of the KL term. */
  beta = 1;

  constructor(options: ModelOptions = {}) {
    super({ optimizer: optimizers.adam(1e-3), ...options });
  }

  /** Latent codes → pixel probabilities. Uses only the decoder. */
  @predStep
  generate(x: tf.Tensor, states: States, initializing: boolean): [tf.Tensor, States] {
    let params = states.netParams as VAEParams | undefined;
    if (initializing && params === undefined) {
      const encoder = this.encoder.init(states.rng, tf.zeros([1, 784])).params;
      const decoder = this.decoder.init(states.rng, tf.zeros([1, LATENT])).params;
      params = { encoder, decoder };
    }
    const [logits] = this.decoder.apply(params!.decoder, {}, x, { training: false, rng: states.rng });
    return [tf.sigmoid(logits as tf.Tensor), params === states.netParams ? states : states.update({ netParams: params })];
  }

  @testStep
  elbo(x: tf.Tensor, states: States, initializing: boolean, training: boolean): [tf.Scalar, Logs, States] {
    if (initializing) [, states] = this.generate(tf.zeros([1, LATENT]), states, true);
    const params = states.netParams as VAEParams;
    const ctx = { training, rng: states.rng };
    const [stats] = this.encoder.apply(params.encoder, {}, x, ctx);
    const [mean, logStd] = tf.split(stats as tf.Tensor, 2, -1);
    // Reparameterization: z = mean + σ·ε keeps the sample differentiable in mean and σ.
    const z = mean.add(tf.exp(logStd).mul(tf.randomNormal(mean.shape, 0, 1, "float32", states.rng.next())));
    const [logits] = this.decoder.apply(params.decoder, {}, z, ctx);
    const reconstruction = tf.mean(tf.sum(bernoulliNll(x, logits as tf.Tensor), -1)) as tf.Scalar;
    const kl = tf.mean(tf.sum(tf.exp(logStd.mul(2)).add(mean.square()).sub(logStd.mul(2)).sub(1).mul(0.5), -1)) as tf.Scalar;
    const loss = reconstruction.add(kl.mul(this.beta)) as tf.Scalar;
    return [loss, { loss, reconstruction_loss: reconstruction, kl_loss: kl }, states];
  }
}

/** Samples `count` digits from the prior and writes them as a PNG grid. */
export async function writeSamples(model: VAE, file: string, count = 64): Promise<void> {
  const z = tf.randomNormal([count, LATENT], 0, 1, "float32", 7);
  const pixels = (await model.predict(z)) as tf.Tensor;
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, report.imageGridPng(await pixels.data(), count, 28));
  tf.dispose([z, pixels]);
}
