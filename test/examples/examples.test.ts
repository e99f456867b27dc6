// The examples gallery, trained for real: the MLP to its acceptance accuracy on full MNIST,
// the others briefly on subsets (finite, improving, no tensor growth).
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { callbacks, datasets, tf } from "elegy-ts";
import { mlpModel, scaled } from "../../examples/mlp";
import { CNN, mnistImages } from "../../examples/cnn";
import { VAE, writeSamples as writeVaeSamples } from "../../examples/vae";
import { WGANGP, writeSamples as writeGanSamples } from "../../examples/wgan-gp";
import { ClippedMLP } from "../../examples/custom-grad-step";
import { tmpDir } from "../support/models";

function flatCounts(): { callback: ReturnType<typeof callbacks.lambda>; counts: number[] } {
  const counts: number[] = [];
  return { counts, callback: callbacks.lambda({ onEpochEnd: () => void counts.push(tf.memory().numTensors) }) };
}

test("MLP 784-300-100-10 (docs/guide.md form) reaches ≥ 0.97 test accuracy on MNIST in 3 epochs", { timeout: 600_000 }, async () => {
  const { train, test: held } = await datasets.mnist();
  const model = mlpModel();
  const { callback, counts } = flatCounts();
  await model.fit(scaled(train.x), train.y, { epochs: 3, batchSize: 64, verbose: 0, callbacks: [callback] });
  const logs = await model.evaluate(scaled(held.x), held.y, { batchSize: 256 });
  assert.deepEqual(Object.keys(logs), ["loss", "sparse_categorical_crossentropy_loss", "l2_regularization_loss", "sparse_categorical_accuracy"]);
  assert.ok(logs.sparse_categorical_accuracy >= 0.97, `test accuracy ${logs.sparse_categorical_accuracy}`);
  assert.equal(new Set(counts).size, 1, `tensors per epoch ${counts}`);
});

test("CNN (Conv2D + MaxPool2D) learns on a subset", { timeout: 300_000 }, async () => {
  const { train, test: held } = await mnistImages({ train: 2048, test: 500 });
  const model = new CNN();
  const { callback, counts } = flatCounts();
  await model.fit(train.x, train.y, { epochs: 2, batchSize: 64, verbose: 0, callbacks: [callback] });
  const logs = await model.evaluate(held.x, held.y);
  assert.ok(logs.sparse_categorical_accuracy > 0.8, `accuracy ${logs.sparse_categorical_accuracy}`);
  assert.equal(new Set(counts).size, 1);
});

test("VAE: the ELBO falls, and the decoder-only predStep samples a PNG grid", { timeout: 300_000 }, async () => {
  const { train } = await datasets.mnist({ trainSize: 2048, testSize: 1 });
  const x = tf.tidy(() => train.x.div(255).reshape([-1, 784]));
  const model = new VAE();
  const history = await model.fit(x, undefined, { epochs: 3, batchSize: 64, verbose: 0 });
  assert.ok(history.history.loss[2] < history.history.loss[0], `${history.history.loss}`);
  assert.deepEqual(Object.keys(history.history).slice(0, 3), ["loss", "reconstruction_loss", "kl_loss"]);
  const file = path.join(tmpDir("vae"), "samples.png");
  await writeVaeSamples(model, file, 16);
  const png = fs.readFileSync(file);
  assert.equal(png.subarray(1, 4).toString(), "PNG");
  assert.equal(png.readUInt32BE(16), 4 * 30 + 2, "a 4×4 grid of 28-pixel digits with 2-pixel gaps");
});

test("WGAN-GP: two optimizers and a gradient penalty train without NaN or tensor growth", { timeout: 300_000 }, async () => {
  const { train } = await datasets.mnist({ trainSize: 640, testSize: 1 });
  const x = tf.tidy(() => train.x.div(127.5).sub(1).reshape([-1, 784]));
  const model = new WGANGP();
  const { callback, counts } = flatCounts();
  const history = await model.fit(x, undefined, { epochs: 3, batchSize: 64, verbose: 0, callbacks: [callback] });
  for (const name of ["critic_loss", "generator_loss", "gradient_penalty"]) assert.ok(history.history[name].every(Number.isFinite), name);
  assert.ok(history.history.gradient_penalty[0] > 0);
  assert.equal(new Set(counts).size, 1, `${counts}`);
  const file = path.join(tmpDir("gan"), "samples.png");
  await writeGanSamples(model, file, 4);
  assert.ok(fs.statSync(file).size > 100);
});

test("custom @gradStep: gradients are clipped to the global norm and training still learns", { timeout: 300_000 }, async () => {
  const { train } = await datasets.mnist({ trainSize: 2048, testSize: 1 });
  const model = new ClippedMLP();
  model.maxNorm = 0.5;
  const history = await model.fit(tf.tidy(() => train.x.div(255)), train.y, { epochs: 2, batchSize: 64, verbose: 0 });
  assert.ok(history.history.sparse_categorical_accuracy[1] > 0.75, `${history.history.sparse_categorical_accuracy}`);
  assert.ok(history.history.grad_norm[0] > 0.5, "the unclipped norm is logged (and is above the clip)");
});

/** Runs an example's generated trainer (dist/examples/<name>.trainer.js) in this process on an MNIST subset. */
async function runTrainerOf(name: string, argv: string[]): Promise<{ code: number; lines: string[] }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const trainer = require(path.join(__dirname, "../../examples", `${name}.trainer.js`)) as { run(argv: string[], out: (line: string) => void): Promise<number> };
  const saved = { train: process.env.ELEGY_MNIST_TRAIN_SIZE, test: process.env.ELEGY_MNIST_TEST_SIZE };
  process.env.ELEGY_MNIST_TRAIN_SIZE = "512";
  process.env.ELEGY_MNIST_TEST_SIZE = "128";
  try {
    const lines: string[] = [];
    return { code: await trainer.run(argv, (line) => void lines.push(line)), lines };
  } finally {
    for (const [key, value] of [["ELEGY_MNIST_TRAIN_SIZE", saved.train], ["ELEGY_MNIST_TEST_SIZE", saved.test]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

test("VAE and WGAN-GP through their generated trainers: afterTraining writes samples.png into the out dir", { timeout: 300_000 }, async () => {
  for (const [name, logs] of [["vae", ["loss", "reconstruction_loss", "kl_loss"]], ["wgan-gp", ["critic_loss", "generator_loss", "wasserstein", "gradient_penalty"]]] as const) {
    const outDir = tmpDir(`${name}-trainer`);
    const { code, lines } = await runTrainerOf(name, ["--epochs", "1", "--out-dir", outDir, "--verbose", "2"]);
    assert.equal(code, 0);
    assert.ok(lines.some((line) => line.startsWith("Samples: ") && line.endsWith("samples.png")), lines.join("\n"));
    assert.deepEqual(Object.keys(JSON.parse(lines.at(-1)!)), logs, name === "vae" ? "the test ELBO" : "no test split: the last epoch's logs");
    assert.deepEqual(fs.readdirSync(outDir).sort(), ["checkpoint", "history.csv", "report.html", "samples.png"]);
    assert.equal(fs.readFileSync(path.join(outDir, "samples.png")).subarray(1, 4).toString(), "PNG");
  }
});
