// What steps put in their logs, and how the loop should aggregate each value over an epoch.
import { tf } from "./tf";

export type LogValue = tf.Tensor | number;
/** Logs a step returns: name → scalar tensor (or number). */
export type Logs = Record<string, LogValue>;

// Values produced by metric and loss objects already hold a running value over the epoch
// (their state lives in states.metricsStates); the loop reports them as they stand after
// the last batch. Every other log value is a per-batch value, averaged by batch size.
const runningValues = new WeakSet<tf.Tensor>();

/** Marks a tensor as a running (epoch-to-date) value, so the loop does not average it again. */
export function markRunning<T extends tf.Tensor>(value: T): T {
  runningValues.add(value);
  return value;
}

export function isRunning(value: LogValue): boolean {
  return typeof value !== "number" && runningValues.has(value);
}
