// The shared shape of every functional optimizer: a step counter, per-parameter slot trees
// (moments, accumulators) mirroring the params, gradient clipping and a learning-rate
// schedule. Each concrete optimizer only says how one parameter leaf is updated.
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { Optimizer } from "../contracts";
import { StateTree, TensorTree, describeTree, isPlainObject, isTensor, leafPaths, leaves, assertSameStructure, mapTree, unflatten } from "../tree";
import { ClipOptions, clipGradients, validateClipOptions } from "./clipping";
import { LearningRate, Schedule, asSchedule, checkedRate, constantRateOf } from "./schedules";
import { hasHostKernel, runHostKernel } from "../backend/kernels/host-kernel";
import { OPTIMIZER_STEP } from "../backend/kernels/optimizer-step";
import { checkOptionKeys, optionKeys } from "../options-check";

export interface OptimizerOptions extends ClipOptions {
  learningRate?: LearningRate;
}

export const OPTIMIZER_OPTIONS = optionKeys<OptimizerOptions>()(["learningRate", "clipValue", "clipNorm", "globalClipNorm"]);

/** What an optimizer keeps in states.optimizerStates. */
export interface OptimizerState {
  /** Updates applied so far (int32 scalar). */
  step: tf.Scalar;
  /** One tree per slot name, each shaped like the params. */
  slots: Record<string, TensorTree>;
  /**
   * Multiplies the schedule's rate (float32 scalar, starts at 1). Callbacks such as
   * ReduceLROnPlateau change it through the States, so every schedule can be reduced.
   */
  lrScale?: tf.Scalar;
}

/** Inputs of one leaf update. */
export interface LeafUpdate {
  param: tf.Tensor;
  grad: tf.Tensor;
  /** This leaf's slots, by slot name. */
  slots: Record<string, tf.Tensor>;
  lr: tf.Scalar;
  /** 1 for the first update (float32), for bias corrections. */
  t: tf.Scalar;
  /** The leaf's path in the params tree ("linear/kernel"). */
  path: string;
}

/**
 * The rate of the update that made a state, by that state's lrScale tensor: with a constant
 * schedule it is also the state's own rate, so the `lr` log after apply costs no kernel.
 */
const nextRates = new WeakMap<tf.Tensor, tf.Scalar>();

export abstract class SlotOptimizer implements Optimizer {
  private readonly schedule: Schedule;
  private readonly clip: ClipOptions;

  constructor(
    readonly name: string,
    options: OptimizerOptions,
    defaultLearningRate: LearningRate,
    /** Names of the per-parameter slots (e.g. ["m", "v"]). */
    private readonly slotNames: readonly string[],
  ) {
    this.schedule = asSchedule(options.learningRate ?? defaultLearningRate);
    this.clip = { clipValue: options.clipValue, clipNorm: options.clipNorm, globalClipNorm: options.globalClipNorm };
    validateClipOptions(this.clip);
  }

  /** The initial value of one slot for a param leaf. */
  protected abstract initSlot(slot: string, param: tf.Tensor): tf.Tensor;

  /** New value of one param leaf and of its slots. */
  protected abstract updateLeaf(u: LeafUpdate): { param: tf.Tensor; slots: Record<string, tf.Tensor> };

  init(params: TensorTree): TensorTree {
    const slots: Record<string, TensorTree> = {};
    for (const n of this.slotNames) slots[n] = mapTree(params, (p) => this.initSlot(n, p));
    const state: OptimizerState = { step: tf.scalar(0, "int32"), slots, lrScale: tf.scalar(1) };
    return state as unknown as TensorTree;
  }

  apply(params: TensorTree, grads: TensorTree, state: StateTree): [TensorTree, TensorTree] {
    const { step, slots, lrScale } = this.readState(state);
    assertSameStructure(params, grads, "params", "grads");
    const slotNames = this.slotNames;
    for (const n of slotNames) assertSameStructure(params, slots[n], "params", `optimizer slot '${n}'`);
    const paramPaths = leafPaths(params);
    const gradLeaves = clipGradients(leaves(grads), this.clip);
    const slotLeaves = slotNames.map((n) => leaves(slots[n]));
    const { lr, t, nextStep, nextLrScale } = this.stepScalars(step, lrScale);

    const newParams: tf.Tensor[] = [];
    const newSlotLeaves: tf.Tensor[][] = slotNames.map(() => []);
    paramPaths.forEach(([path, param], i) => {
      const leafSlots: Record<string, tf.Tensor> = {};
      slotNames.forEach((n, k) => (leafSlots[n] = slotLeaves[k][i]));
      const grad = gradLeaves[i].dtype === param.dtype ? gradLeaves[i] : tf.cast(gradLeaves[i], param.dtype);
      const out = this.updateLeaf({ param, grad, slots: leafSlots, lr, t, path });
      newParams.push(out.param);
      slotNames.forEach((n, k) => newSlotLeaves[k].push(out.slots[n]));
    });
    const newSlots: Record<string, TensorTree> = {};
    slotNames.forEach((n, k) => (newSlots[n] = unflatten(slots[n], newSlotLeaves[k])));
    const newState: OptimizerState = { step: nextStep, slots: newSlots };
    // A fresh tensor: callers may dispose the whole old state after apply.
    if (nextLrScale) {
      newState.lrScale = nextLrScale;
      // The next state's rate is this update's when the schedule ignores the step.
      if (constantRateOf(this.schedule) !== undefined) nextRates.set(nextLrScale, lr);
    }
    return [unflatten(params, newParams), newState as unknown as TensorTree];
  }

  learningRate(state: StateTree): tf.Scalar {
    const { step, lrScale } = this.readState(state);
    const known = lrScale && nextRates.get(lrScale);
    if (known) {
      nextRates.delete(lrScale!);
      if (!known.isDisposed) return known;
    }
    return this.scaled(this.schedule(tf.cast(step, "float32") as tf.Scalar), lrScale);
  }

  /** This update's lr and t, the next step counter and lr scale: one kernel where the backend has it. */
  private stepScalars(step: tf.Scalar, lrScale: tf.Scalar | undefined): { lr: tf.Scalar; t: tf.Scalar; nextStep: tf.Scalar; nextLrScale?: tf.Scalar } {
    const fusable = hasHostKernel(OPTIMIZER_STEP) && step.rank === 0 && step.dtype === "int32" &&
      (lrScale === undefined || (lrScale.rank === 0 && lrScale.dtype === "float32"));
    const constant = constantRateOf(this.schedule);
    if (fusable) {
      const inputs: Record<string, tf.Tensor> = { step };
      if (lrScale) inputs.lrScale = lrScale;
      const rate = constant === undefined ? this.rateAt(step) : undefined;
      if (rate === undefined || (rate.rank === 0 && rate.dtype === "float32")) {
        if (rate) inputs.rate = rate;
        const [lr, t, nextStep, nextLrScale] = runHostKernel(OPTIMIZER_STEP, inputs, { rate: constant ?? 0 }) as tf.Scalar[];
        return { lr, t, nextStep, nextLrScale };
      }
    }
    const stepFloat = tf.cast(step, "float32") as tf.Scalar;
    return {
      lr: this.scaled(this.rateAt(step), lrScale),
      t: tf.add(stepFloat, 1) as tf.Scalar,
      nextStep: tf.add(step, tf.scalar(1, "int32")) as tf.Scalar,
      nextLrScale: lrScale && (tf.clone(lrScale) as tf.Scalar),
    };
  }

  /** The schedule's rate for an update at `step` (a user schedule's rate is checked). */
  private rateAt(step: tf.Scalar): tf.Scalar {
    const stepFloat = tf.cast(step, "float32") as tf.Scalar;
    return checkedRate(this.schedule, this.schedule(stepFloat), stepFloat, this.name);
  }

  private scaled(lr: tf.Scalar, lrScale: tf.Scalar | undefined): tf.Scalar {
    return lrScale ? (tf.mul(lr, lrScale) as tf.Scalar) : lr;
  }

  private readState(state: StateTree): OptimizerState {
    if (!isPlainObject(state) || !isTensor((state as Record<string, unknown>).step) || !isPlainObject((state as Record<string, unknown>).slots)) {
      throw new ElegyInputError(
        `${this.name}: optimizer state must be { step, slots } as made by ${this.name}.init(params); got ${describeTree(state)}.`,
      );
    }
    return state as unknown as OptimizerState;
  }
}

/**
 * Lets every factory take either a learning rate first or one options object; the objects
 * (not a rate) are checked for unknown keys, in the words of `method` (e.g. "optimizers.adam").
 */
export function optionsOf<O extends OptimizerOptions>(method: string, valid: readonly string[], first: LearningRate | O | undefined, rest: O): O {
  if (typeof first === "object") checkOptionKeys(method, first, valid);
  checkOptionKeys(method, rest, valid);
  if (first === undefined) return rest;
  if (typeof first === "number" || typeof first === "function") return { ...rest, learningRate: first };
  return { ...first, ...rest };
}
