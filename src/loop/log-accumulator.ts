// Aggregates step logs over an epoch on the device, so the loop never waits on a per-batch
// read: per-batch values become a running sum weighted by batch size; running values
// (from metric and loss objects) keep their latest value. One read at the end, which also
// reads the device checks of the epoch's steps (see device-checks.ts).
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { Logs, isRunning } from "../logs";
import { DeviceCheck } from "../device-checks";

/** Device checks folded into one [failed, a, b, check number] record every this many. */
const FOLD_EVERY = 32;

/**
 * A log value as a float32 scalar, with as few kernels as possible (each costs tens of µs
 * on wasm): none when it already is one, unless `fresh` asks for a tensor of its own.
 */
function asFloatScalar(value: tf.Tensor, fresh: boolean): tf.Scalar {
  if (value.rank === 0 && value.dtype === "float32") return (fresh ? tf.clone(value) : value) as tf.Scalar;
  const scalar = value.rank === 0 ? value : tf.reshape(value, []);
  return (scalar.dtype === "float32" ? scalar : tf.cast(scalar, "float32")) as tf.Scalar;
}

export class LogAccumulator {
  private readonly order: string[] = [];
  private readonly sums = new Map<string, tf.Scalar>();
  private readonly latest = new Map<string, tf.Scalar>();
  private readonly numbers = new Map<string, number>();
  private readonly weights = new Map<string, number>();
  /** How to word each check's failure and where it ran (by check number). */
  private readonly checks: Array<{ message: DeviceCheck["message"]; where: string }> = [];
  private pendingChecks: Array<{ record: tf.Tensor1D; number: number }> = [];
  /** The first failing check so far (or a passing one): [failed, a, b, check number]. */
  private firstFailure: tf.Tensor1D | undefined;

  /**
   * Adds one batch's logs. The log tensors are not kept, so they may be disposed afterwards —
   * except those `takeable` allows (ones the caller would dispose anyway): a running value that
   * already is a float32 scalar is then kept as it is instead of copied (a kernel per log per
   * batch saved). Returns the tensors taken; the caller must not dispose them.
   */
  add(logs: Logs, batchSize: number, takeable?: (t: tf.Tensor) => boolean): tf.Tensor[] {
    const taken: tf.Tensor[] = [];
    for (const [name, value] of Object.entries(logs)) {
      if (!this.order.includes(name)) this.order.push(name);
      if (typeof value === "number") {
        this.numbers.set(name, (this.numbers.get(name) ?? 0) + value * batchSize);
        this.weights.set(name, (this.weights.get(name) ?? 0) + batchSize);
      } else if (isRunning(value)) {
        const previous = this.latest.get(name);
        const take = value.rank === 0 && value.dtype === "float32" && takeable?.(value) === true && !taken.includes(value) && value !== previous;
        previous?.dispose();
        if (take) taken.push(value);
        this.latest.set(name, tf.keep(take ? (value as tf.Scalar) : tf.tidy(() => asFloatScalar(value, true))));
      } else {
        const previous = this.sums.get(name);
        const next = tf.tidy(() => {
          const weighted = tf.mul(asFloatScalar(value, false), batchSize) as tf.Scalar;
          return previous ? tf.add(previous, weighted) : weighted;
        });
        previous?.dispose();
        this.sums.set(name, tf.keep(next as tf.Scalar));
        this.weights.set(name, (this.weights.get(name) ?? 0) + batchSize);
      }
    }
    return taken;
  }

  /** Takes a step's device checks (their records are the accumulator's to free); `where` is e.g. "fit batch 3". */
  addChecks(checks: readonly DeviceCheck[], where: string): void {
    for (const { record, message } of checks) {
      this.pendingChecks.push({ record, number: this.checks.length });
      this.checks.push({ message, where });
    }
    if (this.pendingChecks.length >= FOLD_EVERY) this.foldChecks();
  }

  /** Keeps only the first failing record (argMax of the failed column picks the first 1). */
  private foldChecks(): void {
    if (this.pendingChecks.length === 0) return;
    const pending = this.pendingChecks;
    this.pendingChecks = [];
    const folded = tf.tidy(() => {
      const numbers = tf.tensor2d(pending.map((p) => [p.number]), [pending.length, 1], "float32");
      let rows = tf.concat([tf.stack(pending.map((p) => p.record)), numbers], 1);
      if (this.firstFailure) rows = tf.concat([tf.reshape(this.firstFailure, [1, 4]), rows], 0);
      const first = tf.argMax(tf.reshape(tf.slice(rows, [0, 0], [-1, 1]), [-1]));
      return tf.reshape(tf.gather(rows, first), [4]) as tf.Tensor1D;
    });
    tf.dispose(pending.map((p) => p.record));
    this.firstFailure?.dispose();
    this.firstFailure = folded;
  }

  /** Throws the error a read record describes, if its check failed. */
  private throwIfFailed([failed, a, b, number]: number[]): void {
    if (!failed) return;
    const { message, where } = this.checks[number];
    throw new ElegyInputError(message(a, b, where));
  }

  get empty(): boolean {
    return this.order.length === 0;
  }

  /** The epoch's values, in the order the logs first appeared (one device read). */
  async read(): Promise<Record<string, number>> {
    const tensorNames = this.order.filter((n) => this.sums.has(n) || this.latest.has(n));
    let values: ArrayLike<number> = [];
    this.foldChecks();
    const checked = this.firstFailure;
    if (tensorNames.length || checked) {
      const logValues = tensorNames.map((n) => this.sums.get(n) ?? this.latest.get(n)!);
      const stacked = tf.tidy(() => tf.concat([...(logValues.length ? [tf.stack(logValues)] : []), ...(checked ? [checked] : [])]));
      values = await stacked.data();
      stacked.dispose();
      if (checked) this.throwIfFailed(Array.from(values).slice(tensorNames.length));
    }
    const out: Record<string, number> = {};
    for (const name of this.order) {
      const i = tensorNames.indexOf(name);
      if (this.latest.has(name)) out[name] = values[i];
      else if (this.sums.has(name)) out[name] = values[i] / this.weights.get(name)!;
      else out[name] = this.numbers.get(name)! / this.weights.get(name)!;
    }
    return out;
  }

  dispose(): void {
    tf.dispose(this.pendingChecks.map((p) => p.record));
    this.pendingChecks = [];
    this.firstFailure?.dispose();
    this.firstFailure = undefined;
    for (const t of this.sums.values()) t.dispose();
    for (const t of this.latest.values()) t.dispose();
    this.sums.clear();
    this.latest.clear();
  }
}
