// The running means that loss aggregates and mean metrics keep over an epoch, each update in
// one kernel instead of a chain of scalar Add / Multiply / RealDiv / Greater / Maximum / Select
// kernels (each a 5–20 µs launch on wasm, for one number). Float32 rounding at the same
// points as the composed ops, so the logs are the same numbers.
import { HostArray, HostKernel, registerHostKernel } from "./host-kernel";

const fround = Math.fround;
/** tf.maximum(count, 1e-30) in float32. */
const TINY = fround(1e-30);

/** divide_no_nan of a total by a count, as MeanMetric.result composes it. */
export function safeMean(total: number, count: number): number {
  return count > 0 ? fround(total / Math.max(count, TINY)) : 0;
}

export const RUNNING_MEANS = "ElegyRunningMeans";

export interface RunningMeansAttrs {
  /** Number of running sums (inputs sum0…, value0…; outputs after the count: sums, then means). */
  n: number;
  /** Weight of this batch's values (its number of samples). */
  size: number;
}

/**
 * count ← count + size; sum_i ← sum_i + value_i · size; mean_i = sum_i / count. Outputs
 * [count, sum_0…, mean_0…] (float32 scalars): the loss aggregate's update and its logs.
 */
export const runningMeansKernel: HostKernel<RunningMeansAttrs> = {
  name: RUNNING_MEANS,
  outputs: (_inputs, { n }) => Array.from({ length: 1 + 2 * n }, () => ({ shape: [], dtype: "float32" })),
  compute: (inputs, outputs, { n, size }) => {
    const count = fround(inputs.count.values[0] + size);
    outputs[0][0] = count;
    for (let i = 0; i < n; i++) {
      const sum = fround(inputs[`sum${i}`].values[0] + fround(inputs[`value${i}`].values[0] * size));
      outputs[1 + i][0] = sum;
      outputs[1 + n + i][0] = fround(sum / count);
    }
  },
};

export const MEAN_UPDATE = "ElegyMeanUpdate";

/**
 * A weighted mean metric's update: total ← total + Σ w·v, count ← count + Σ w (w = 1 without
 * weights), over per-sample values [n] and weights [n]. Outputs [total, count, mean], the mean
 * 0 while count is 0.
 */
export const meanUpdateKernel: HostKernel = {
  name: MEAN_UPDATE,
  outputs: () => [{ shape: [], dtype: "float32" }, { shape: [], dtype: "float32" }, { shape: [], dtype: "float32" }],
  compute: ({ total, count, values, weights }, [outTotal, outCount, outMean]) => {
    const v = values.values;
    let batchTotal = 0;
    let batchCount = 0;
    if (weights === undefined) {
      for (let i = 0; i < v.length; i++) batchTotal = fround(batchTotal + v[i]);
      batchCount = v.length;
    } else {
      const w = weights.values;
      for (let i = 0; i < v.length; i++) {
        batchTotal = fround(batchTotal + fround(v[i] * w[i]));
        batchCount = fround(batchCount + w[i]);
      }
    }
    const t = fround(total.values[0] + batchTotal);
    const c = fround(count.values[0] + batchCount);
    outTotal[0] = t;
    outCount[0] = c;
    outMean[0] = safeMean(t, c);
  },
};

export const SAFE_MEAN = "ElegySafeMean";

/** total / count, 0 while count is 0 (Keras' divide_no_nan), one kernel. */
export const safeMeanKernel: HostKernel = {
  name: SAFE_MEAN,
  outputs: () => [{ shape: [], dtype: "float32" }],
  compute: ({ total, count }, [out]: HostArray[]) => {
    out[0] = safeMean(total.values[0], count.values[0]);
  },
};

for (const kernel of [runningMeansKernel, meanUpdateKernel, safeMeanKernel] as HostKernel[]) registerHostKernel(kernel);
