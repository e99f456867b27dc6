// Checks whose verdict lives on the device (a sparse label out of range in a dataset's batch,
// a learning-rate schedule returning NaN): reading each verdict at once would cost a device
// read per batch. Inside the training and evaluation loops they are collected and read with
// the epoch's logs (one read for all); a call outside any loop reads its verdict at once.
import { tf } from "./tf";
import { ElegyInputError } from "./errors";

/** A verdict waiting to be read: [failed (0/1), a, b] and how to word a failure. */
export interface DeviceCheck {
  readonly record: tf.Tensor1D;
  /** The message for a failed record; `where` says which batch ("fit batch 3") when known. */
  message(a: number, b: number, where?: string): string;
}

let collector: DeviceCheck[] | undefined;

/** Adds a check: collected inside a loop's step, else read now (throwing ElegyInputError if it failed). */
export function deferCheck(record: tf.Tensor1D, message: DeviceCheck["message"]): void {
  tf.keep(record);
  if (collector !== undefined) {
    collector.push({ record, message });
    return;
  }
  const [failed, a, b] = record.dataSync();
  record.dispose();
  if (failed) throw new ElegyInputError(message(a, b));
}

/**
 * Runs `fn` (a step) collecting the checks it makes instead of reading each at once; the
 * caller owns the records (read them with the logs, then dispose).
 */
export function collectChecks<T>(fn: () => T): { result: T; checks: DeviceCheck[] } {
  const outer = collector;
  const checks: DeviceCheck[] = [];
  collector = checks;
  try {
    return { result: fn(), checks };
  } catch (error) {
    tf.dispose(checks.map((c) => c.record));
    throw error;
  } finally {
    collector = outer;
  }
}
