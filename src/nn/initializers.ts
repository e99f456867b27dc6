// Seeded weight initializers with Keras' definitions (fans from the shape: a conv kernel
// [kh, kw, in, out] has fanIn = kh·kw·in and fanOut = kh·kw·out).
import { tf } from "../tf";

/** Creates a tensor of `shape` from a seed (a fresh one from rng.next() per tensor). */
export type Initializer = (shape: number[], seed: number) => tf.Tensor;

export function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

// Stddev of a standard normal truncated to [-2, 2], to keep the variance of truncated draws.
const TRUNCATED_STDDEV = 0.8796256610342398;

type FanMode = "fanIn" | "fanOut" | "fanAvg";

/** Keras VarianceScaling: scale / fan variance, drawn from a truncated normal or a uniform. */
export function varianceScaling(scale: number, mode: FanMode, distribution: "truncated_normal" | "uniform"): Initializer {
  return (shape, seed) => {
    const { fanIn, fanOut } = fans(shape);
    const fan = mode === "fanIn" ? fanIn : mode === "fanOut" ? fanOut : (fanIn + fanOut) / 2;
    const variance = scale / Math.max(1, fan);
    if (distribution === "uniform") {
      const limit = Math.sqrt(3 * variance);
      return tf.randomUniform(shape, -limit, limit, "float32", seed);
    }
    return tf.truncatedNormal(shape, 0, Math.sqrt(variance) / TRUNCATED_STDDEV, "float32", seed);
  };
}

export const glorotUniform = (): Initializer => varianceScaling(1, "fanAvg", "uniform");
export const glorotNormal = (): Initializer => varianceScaling(1, "fanAvg", "truncated_normal");
export const heUniform = (): Initializer => varianceScaling(2, "fanIn", "uniform");
export const heNormal = (): Initializer => varianceScaling(2, "fanIn", "truncated_normal");
export const lecunUniform = (): Initializer => varianceScaling(1, "fanIn", "uniform");
export const lecunNormal = (): Initializer => varianceScaling(1, "fanIn", "truncated_normal");

export const zeros = (): Initializer => (shape) => tf.zeros(shape);
export const ones = (): Initializer => (shape) => tf.ones(shape);
export const constant = (value: number): Initializer => (shape) => tf.fill(shape, value);

export const randomNormal = (mean = 0, stddev = 0.05): Initializer => (shape, seed) => tf.randomNormal(shape, mean, stddev, "float32", seed);
export const randomUniform = (min = -0.05, max = 0.05): Initializer => (shape, seed) => tf.randomUniform(shape, min, max, "float32", seed);
export const truncatedNormal = (mean = 0, stddev = 0.05): Initializer => (shape, seed) => tf.truncatedNormal(shape, mean, stddev, "float32", seed);
