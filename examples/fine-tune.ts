// Fine-tuning a tfjs-layers model under elegy-ts. The base is a model.json loaded with
// tf.loadLayersModel — here one elegy-ts exported: an MLP trained on the MNIST digits 0–4, made
// on the first run and cached. All its layers but the last become frozen features under
// nn.LayersAdapter; a new head learns the digits 5–9. A custom @trainStep differentiates and
// updates the head alone, so the base's weights stay bit for bit as loaded. The fine-tuned model
// is again a Sequential of an adapter and a built-in layer, so model.export writes it back out.
//   elegy-ts train examples/fine-tune.ts                              (the base is made once, in a cache folder)
//   ELEGY_BASE_MODEL=path/to/model.json elegy-ts train examples/fine-tune.ts   (start from your own export)
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  Model, States, datasets, losses, metrics, nn, optimizers, tf, trainStep, trainer, valueAndGrad,
  type Logs, type ModelOptions, type TensorTree,
} from "elegy-ts";

/** The rows of an MNIST split whose label is in [from, from + count), pixels in [0, 1], labels shifted to start at 0. */
export function digitSubset(split: { x: tf.Tensor; y: tf.Tensor }, from: number, count: number): { x: tf.Tensor; y: tf.Tensor } {
  const labels = split.y.dataSync();
  const rows = [...labels.keys()].filter((i) => labels[i] >= from && labels[i] < from + count);
  return tf.tidy(() => {
    const index = tf.tensor1d(rows, "int32");
    return { x: tf.gather(split.x, index).div(255), y: tf.gather(split.y, index).sub(from).toInt() };
  });
}

/**
 * The base model's model.json: ELEGY_BASE_MODEL when set, else an MLP trained (one epoch) on the
 * digits 0–4 and exported into `cacheDir`, once.
 */
export async function baseModelFile(cacheDir = path.join(os.tmpdir(), "elegy-ts-fine-tune-base")): Promise<string> {
  if (process.env.ELEGY_BASE_MODEL) return process.env.ELEGY_BASE_MODEL;
  const file = path.join(cacheDir, "model.json");
  if (fs.existsSync(file)) return file;
  const { train } = await datasets.mnist();
  const digits = digitSubset(train, 0, 5);
  const base = new Model({
    module: new nn.Sequential([new nn.Flatten(), new nn.Linear(64), nn.relu, new nn.Linear(32), nn.relu, new nn.Linear(5)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    optimizer: optimizers.adam(1e-3),
  });
  await base.fit(digits.x, digits.y, { epochs: 1, batchSize: 64, verbose: 0 });
  await base.export(cacheDir);
  tf.dispose([digits.x, digits.y]);
  base.dispose();
  return file;
}

/** The base from its model.json, cut before its last layer: a features model for a new head. */
export async function loadFeatures(file: string): Promise<tf.LayersModel> {
  const base = await tf.loadLayersModel(`file://${path.resolve(file)}`);
  return tf.model({ inputs: base.inputs, outputs: base.layers[base.layers.length - 2].output as tf.SymbolicTensor, name: "features" });
}

type FineTuneParams = { base: TensorTree; head: TensorTree };

@trainer({
  data: async () => {
    const { train, test } = await datasets.mnist();
    return { train: digitSubset(train, 5, 5), test: digitSubset(test, 5, 5) };
  },
  epochs: 2,
  batchSize: 64,
})
export class FineTune extends Model {
  /** Updates the head's params only; its state is the whole optimizerStates. */
  readonly headOptimizer = optimizers.adam(1e-2);

  constructor(options: ModelOptions & { baseModel?: string } = {}) {
    const { baseModel, ...rest } = options;
    super({
      module: new nn.Sequential([
        new nn.LayersAdapter(async () => loadFeatures(baseModel ?? (await baseModelFile())), { name: "base" }),
        new nn.Linear(5, { name: "head" }),
      ]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: metrics.sparseCategoricalAccuracy(),
      ...rest,
    });
  }

  @trainStep
  trainHead(states: States, initializing: boolean): [Logs, States] {
    if (initializing) {
      const [, logs, next] = this.runStep("testStep");
      return [logs, next.update({ optimizerStates: this.headOptimizer.init((next.netParams as FineTuneParams).head) })];
    }
    const { base, head } = states.netParams as FineTuneParams;
    // Gradients with respect to the head alone: the base's params are read, never differentiated or replaced.
    const { grads, aux } = valueAndGrad((headParams) => {
      const [loss, logs, next] = this.runStep("testStep", { states: states.update({ netParams: { base, head: headParams } }) });
      return [loss, { logs, next }];
    }, head);
    const [nextHead, optimizerStates] = this.headOptimizer.apply(head, grads, states.optimizerStates);
    return [aux.logs, aux.next.update({ netParams: { base, head: nextHead }, optimizerStates })];
  }
}
