// What a loss is: an object with a name that turns one batch into a scalar to minimise.
// Losses of (yTrue, yPred) are SampleLoss objects: a per-sample function plus Keras' options
// (weight, reduction, on); regularizers look at the params instead (see regularization.ts).
import { tf } from "../tf";
import { BatchContext } from "../contracts";
import { ElegyInputError } from "../errors";
import { checkOptionKeys, optionKeys } from "../options-check";
import { TensorTree } from "../tree";
import { PerSampleFn } from "./functions";
import { Path, selectTensor } from "./select";
import { broadcastableTo, combinedWeights } from "./weights";
import { meanAll, prefersMeanAll } from "../backend/kernels/mean-all";

/** How a loss reduces its per-sample values (Keras names). */
export type Reduction = "sum_over_batch_size" | "sum" | "none";

export interface LossOptions {
  /** Multiplies the loss (default 1). */
  weight?: number;
  /** Default "sum_over_batch_size": the weighted sum divided by the number of values. */
  reduction?: Reduction;
  /** Which output of a nested yTrue/yPred this loss looks at. */
  on?: Path;
  /** Overrides the default name (the log is `<name>_loss`). */
  name?: string;
}

export const LOSS_OPTIONS = optionKeys<LossOptions>()(["weight", "reduction", "on", "name"]);

/** Anything the loss aggregate can use: a name and the batch's weighted, reduced loss. */
export interface Loss {
  readonly name: string;
  compute(batch: BatchContext): tf.Tensor;
}

const REDUCTIONS: readonly Reduction[] = ["sum_over_batch_size", "sum", "none"];

export function checkLossOptions(owner: string, options: LossOptions): void {
  if (options.reduction !== undefined && !REDUCTIONS.includes(options.reduction)) {
    throw new ElegyInputError(`${owner}: reduction must be one of ${REDUCTIONS.map((r) => `"${r}"`).join(", ")}; got "${options.reduction}".`);
  }
  if (options.weight !== undefined && !Number.isFinite(options.weight)) {
    throw new ElegyInputError(`${owner}: weight must be a finite number, got ${options.weight}.`);
  }
}

/** Reduces (already weighted) per-sample values as Keras' reduce_weighted_values. */
export function reduceValues(values: tf.Tensor, reduction: Reduction): tf.Tensor {
  if (reduction === "none") return values;
  // One kernel each way where the backend has it (wasm, cpu), instead of Sum and RealDiv.
  if (reduction === "sum_over_batch_size" && prefersMeanAll(values)) return meanAll(values);
  const total = tf.sum(values);
  return reduction === "sum" ? total : tf.div(total, Math.max(values.size, 1));
}

/** A loss of (yTrue, yPred): per-sample values, weighted by sample and class weights, reduced. */
export class SampleLoss implements Loss {
  readonly name: string;
  readonly weight: number;
  readonly reduction: Reduction;
  readonly on?: Path;

  constructor(
    defaultName: string,
    private readonly perSample: PerSampleFn,
    options: LossOptions = {},
    /** The keys `options` may have: a factory's own list (its extra keys are read by `perSample`'s maker). */
    validOptions: readonly string[] = LOSS_OPTIONS,
  ) {
    checkOptionKeys("new losses.SampleLoss", options, validOptions);
    checkLossOptions(defaultName, options);
    this.name = options.name ?? defaultName;
    this.weight = options.weight ?? 1;
    this.reduction = options.reduction ?? "sum_over_batch_size";
    this.on = options.on;
  }

  /**
   * The loss of one batch, on its own: reduced by `reduction` and multiplied by `weight`.
   * `classWeight` ([numClasses]) weighs each sample by the weight of its class.
   */
  call(yTrue: TensorTree, yPred: TensorTree, sampleWeight?: tf.Tensor, classWeight?: tf.Tensor): tf.Tensor {
    const t = selectTensor(yTrue, this.on, "yTrue", `loss '${this.name}'`);
    const p = selectTensor(yPred, this.on, "yPred", `loss '${this.name}'`);
    let values = this.perSample(t, p);
    const weights = combinedWeights(t, sampleWeight, classWeight);
    if (weights !== undefined) values = tf.mul(values, broadcastableTo(weights, values.rank));
    const reduced = reduceValues(values, this.reduction);
    return this.weight === 1 ? reduced : tf.mul(reduced, this.weight);
  }

  compute(batch: BatchContext): tf.Tensor {
    return this.call(batch.yTrue, batch.yPred, batch.sampleWeight, batch.classWeight);
  }
}
