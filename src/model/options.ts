// Option objects of the Model's public methods, and their validation: an unknown key is an
// error naming the closest valid one (a typo must not silently train with defaults).
import { ElegyInputError } from "../errors";
import { closestName, didYouMean } from "../suggest";

export function checkOptionKeys(method: string, options: object | undefined, valid: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object") {
    throw new ElegyInputError(`${method}() takes an options object as its last argument, got ${typeof options}.`);
  }
  for (const key of Object.keys(options)) {
    if (valid.includes(key)) continue;
    const suggestion = closestName(key, valid);
    throw new ElegyInputError(
      `${method}() got an unknown option '${key}'.${didYouMean(suggestion)} Valid options: ${valid.join(", ")}.`,
    );
  }
}

/** A value as the user wrote it: strings quoted, NaN and Infinity as such. */
function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

export function checkPositiveInteger(method: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new ElegyInputError(`${method}(): ${name} must be a positive integer, got ${shown(value)}.`);
  }
  return value;
}

export function checkNonNegativeInteger(method: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new ElegyInputError(`${method}(): ${name} must be a non-negative integer, got ${shown(value)}.`);
  }
  return value;
}

export function checkVerbose(method: string, value: unknown): 0 | 1 | 2 {
  if (value !== 0 && value !== 1 && value !== 2) {
    throw new ElegyInputError(`${method}(): verbose must be 0 (silent), 1 (progress bar) or 2 (one line per epoch), got ${shown(value)}.`);
  }
  return value;
}

export const FIT_OPTIONS = [
  "epochs", "batchSize", "verbose", "callbacks", "validationSplit", "validationData", "validationFreq",
  "shuffle", "classWeight", "sampleWeight", "initialEpoch", "stepsPerEpoch", "resume", "replicas",
] as const;
export const EVALUATE_OPTIONS = ["batchSize", "sampleWeight", "verbose", "callbacks"] as const;
export const PREDICT_OPTIONS = ["batchSize", "verbose", "callbacks"] as const;
export const INIT_OPTIONS = ["batchSize", "sampleWeight", "classWeight"] as const;
export const ON_BATCH_OPTIONS = ["sampleWeight", "classWeight"] as const;
export const MODEL_OPTIONS = ["module", "loss", "metrics", "optimizer", "seed", "backend"] as const;
