// The Model's `loss` option gathered into one LossAggregate: the batch loss is the sum of
// every loss; the logs are running means over the epoch (weighted by batch size, as Keras'
// loss trackers) of the total (`loss`) and of each loss (`<name>_loss`).
import { tf } from "../tf";
import { BatchContext, LossAggregate } from "../contracts";
import { ElegyInputError } from "../errors";
import { Logs, markRunning } from "../logs";
import { untaped } from "../autodiff/untaped";
import { hasHostKernel, runHostKernel } from "../backend/kernels/host-kernel";
import { RUNNING_MEANS } from "../backend/kernels/running-means";
import { TensorTree, addTrees, describeTree, leaves } from "../tree";
import { PerSampleFn } from "./functions";
import { Loss, SampleLoss } from "./loss";
import { factoriesOf, factoryMessage, functionPartName, namedParts, uniqueNames } from "./names";
import * as crossentropy from "./crossentropy";
import * as regression from "./regression";
import * as regularization from "./regularization";

/** The factories of the losses namespace, whose uncalled use as a loss is told apart (see notALoss). */
const FACTORIES = factoriesOf(crossentropy, regression, regularization);

/** A loss object, or a per-sample function (yTrue, yPred) => values, as Keras accepts. */
export type LossLike = Loss | PerSampleFn;
export type LossSpec = LossLike | readonly LossLike[] | Record<string, LossLike>;

function isLoss(x: unknown): x is Loss {
  return typeof x === "object" && x !== null && typeof (x as Loss).compute === "function" && typeof (x as Loss).name === "string";
}

function toLoss(item: unknown, name?: string): Loss | undefined {
  if (isLoss(item)) return item;
  // Called as (yTrue, yPred), a factory would take yTrue for its options ("unknown option 'kept'").
  if (FACTORIES.has(item)) return undefined;
  if (typeof item === "function") return new SampleLoss(name ?? functionPartName(item), item as PerSampleFn);
  return undefined;
}

function notALoss(where: string, item: unknown): never {
  if (FACTORIES.has(item)) throw new ElegyInputError(factoryMessage("loss", where, "losses", item as { name: string }));
  throw new ElegyInputError(
    `loss ${where} is not a loss: give a loss object (losses.meanSquaredError(), …) or a function ` +
      `(yTrue, yPred) => per-sample values; got ${item === null ? "null" : typeof item}.`,
  );
}

/** `<name>_loss`, unless the name already ends in "loss". */
export function lossLogName(name: string): string {
  return /loss$/.test(name) ? name : `${name}_loss`;
}

interface RunningLossState {
  /** Samples seen so far this epoch. */
  count: tf.Scalar;
  /** Running sums of batch loss × batch size, by log name. */
  sums: Record<string, tf.Scalar>;
}

function isFloatScalar(t: tf.Tensor | undefined): boolean {
  return t !== undefined && t.rank === 0 && t.dtype === "float32";
}

/** Number of samples in a batch: the leading dimension of the first target (or prediction). */
export function batchSizeOf(batch: BatchContext): number {
  const first = leaves(batch.yTrue)[0] ?? leaves(batch.yPred)[0];
  return first !== undefined && first.rank > 0 ? first.shape[0] : 1;
}

export function makeLossAggregate(spec: LossSpec): LossAggregate {
  const entries = namedParts(spec, toLoss, notALoss);
  if (entries.length === 0) throw new ElegyInputError("loss: give at least one loss.");
  const logNames = uniqueNames(entries.map(([name]) => name)).map(lossLogName);
  if (logNames.includes("loss")) throw new ElegyInputError(`A loss may not be named "loss": that log holds the total.`);
  const losses = entries.map(([, l]) => l);

  const checked = (state: TensorTree): RunningLossState => {
    const s = state as unknown as RunningLossState;
    if (s?.sums === undefined || s.count === undefined) {
      throw new ElegyInputError(`loss state must be as made by init(); got ${describeTree(state)}.`);
    }
    return s;
  };
  /** The running means of a state, as update logs them. */
  const result = (state: TensorTree): Logs => {
    const { count, sums } = checked(state);
    const logs: Logs = {};
    for (const name of ["loss", ...logNames]) logs[name] = markRunning(tf.div(sums[name], count));
    return logs;
  };

  const init = (): TensorTree => {
    const sums: Record<string, tf.Scalar> = { loss: tf.scalar(0) };
    for (const n of logNames) sums[n] = tf.scalar(0);
    return { count: tf.scalar(0), sums } as unknown as TensorTree;
  };

  return {
    init,
    result,
    // Counts and sums of loss × batch size simply add up.
    merge: (states: readonly TensorTree[]) => addTrees(states.map((s) => checked(s) as unknown as TensorTree), states.map((_, i) => `loss state ${i}`)),
    sumReduced: entries.filter(([, l]) => l instanceof SampleLoss && l.reduction === "sum").map(([name]) => name),
    update(state: TensorTree, batch: BatchContext) {
      const previous = checked(state);
      const values = losses.map((l) => {
        const v = l.compute(batch);
        // A loss with reduction "none" still contributes one number: its mean.
        return (v.rank === 0 ? v : tf.mean(v)) as tf.Scalar;
      });
      const total = (values.length === 1 ? values[0] : tf.addN(values)) as tf.Scalar;
      const size = batchSizeOf(batch);
      // The running means are logs, not part of the loss: kept off the gradient tape.
      const names = ["loss", ...logNames];
      const batchValues = [total, ...values];
      const sumsBefore = names.map((n) => previous.sums[n]);
      if (hasHostKernel(RUNNING_MEANS) && [previous.count, ...sumsBefore, ...batchValues].every(isFloatScalar)) {
        // One kernel for the count, every sum and every mean.
        return untaped(() => {
          const inputs: Record<string, tf.Tensor> = { count: previous.count };
          names.forEach((_, i) => {
            inputs[`sum${i}`] = sumsBefore[i];
            inputs[`value${i}`] = batchValues[i];
          });
          const [count, ...rest] = runHostKernel(RUNNING_MEANS, inputs, { n: names.length, size }) as tf.Scalar[];
          const sums: Record<string, tf.Scalar> = {};
          const logs: Logs = {};
          names.forEach((n, i) => {
            sums[n] = rest[i];
            logs[n] = markRunning(rest[names.length + i]);
          });
          return { loss: total, logs, state: { count, sums } as unknown as TensorTree };
        });
      }
      return untaped(() => {
        const count = tf.add(previous.count, size) as tf.Scalar;
        const sums: Record<string, tf.Scalar> = {};
        const accumulate = (name: string, value: tf.Scalar) => {
          sums[name] = tf.add(previous.sums[name] ?? tf.scalar(0), tf.mul(value, size)) as tf.Scalar;
        };
        accumulate("loss", total);
        logNames.forEach((n, i) => accumulate(n, values[i]));
        const next = { count, sums } as unknown as TensorTree;
        return { loss: total, logs: result(next), state: next };
      });
    },
  };
}
