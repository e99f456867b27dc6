// A small convolutional network on MNIST (Conv2D + MaxPool2D), Elegy's high-level form.
//   elegy-ts train examples/cnn.ts      (measured: 0.9863 test accuracy after its 2 epochs, wasm)
import { Model, datasets, losses, metrics, nn, optimizers, tf, trainer, type ModelOptions } from "elegy-ts";

/** MNIST as NHWC float images in [0, 1]. */
export async function mnistImages(limit?: { train?: number; test?: number }) {
  const { train, test } = await datasets.mnist({ trainSize: limit?.train, testSize: limit?.test });
  const images = (x: tf.Tensor) => tf.tidy(() => x.div(255).expandDims(-1));
  return { train: { x: images(train.x), y: train.y }, test: { x: images(test.x), y: test.y } };
}

@trainer({ data: () => mnistImages(), epochs: 2, batchSize: 64 })
export class CNN extends Model {
  constructor(options: ModelOptions = {}) {
    super({
      module: new nn.Sequential([
        new nn.Conv2D(32, 3), nn.relu, new nn.MaxPool2D(2),
        new nn.Conv2D(64, 3), nn.relu, new nn.MaxPool2D(2),
        new nn.Flatten(), new nn.Dropout(0.3), new nn.Linear(10),
      ]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: metrics.sparseCategoricalAccuracy(),
      optimizer: optimizers.adam(1e-3),
      ...options,
    });
  }
}
