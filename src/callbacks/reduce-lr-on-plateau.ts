// ReduceLROnPlateau: multiplies the learning rate by `factor` when a monitored log stops
// improving for `patience` epochs (Keras semantics). It reads the current rate from the
// `lr` log and changes `states.optimizerStates.lrScale`, which every elegy-ts optimizer
// applies on top of its schedule.
import { checkOptionKeys, optionKeys } from "../options-check";
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { TensorTree, isPlainObject, isTensor } from "../tree";
import { Callback, EpochLogs } from "./callback";
import { MonitorMode, isImprovement, monitoredValue, resolveMode } from "./monitor";
import { stderr, stdout } from "#platform/output";

export interface ReduceLROnPlateauOptions {
  monitor?: string;
  factor?: number;
  patience?: number;
  mode?: MonitorMode;
  minDelta?: number;
  /** Epochs to wait after a reduction before watching again. */
  cooldown?: number;
  minLr?: number;
  verbose?: 0 | 1;
}

export const REDUCE_LR_ON_PLATEAU_OPTIONS = optionKeys<ReduceLROnPlateauOptions>()(["monitor", "factor", "patience", "mode", "minDelta", "cooldown", "minLr", "verbose"]);

export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  private readonly factor: number;
  private readonly patience: number;
  private readonly mode: "min" | "max";
  private readonly minDelta: number;
  private readonly cooldown: number;
  private readonly minLr: number;
  private readonly verbose: number;
  private best: number | undefined;
  private wait = 0;
  private cooldownCounter = 0;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    if (new.target === ReduceLROnPlateau) checkOptionKeys("new callbacks.ReduceLROnPlateau", options, REDUCE_LR_ON_PLATEAU_OPTIONS);
    super();
    this.monitor = options.monitor ?? "val_loss";
    this.factor = options.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) {
      throw new ElegyInputError(`reduceLROnPlateau factor must be between 0 and 1 (exclusive), got ${this.factor}.`);
    }
    this.patience = options.patience ?? 10;
    this.mode = resolveMode(this.monitor, options.mode);
    this.minDelta = options.minDelta ?? 1e-4;
    this.cooldown = options.cooldown ?? 0;
    this.minLr = options.minLr ?? 0;
    this.verbose = options.verbose ?? 0;
  }

  onTrainBegin(): void {
    this.best = undefined;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  onEpochEnd(epoch: number, logs: EpochLogs): void {
    const current = monitoredValue("ReduceLROnPlateau", this.monitor, logs);
    if (current === undefined) return;
    const inCooldown = this.cooldownCounter > 0;
    if (inCooldown) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (isImprovement(current, this.best, this.mode, this.minDelta)) {
      this.best = current;
      this.wait = 0;
      return;
    }
    if (inCooldown) return;
    this.wait += 1;
    if (this.wait < this.patience) return;
    const lr = logs.lr;
    if (lr === undefined) {
      stderr().write("elegy-ts: ReduceLROnPlateau found no 'lr' in the logs (a custom @trainStep?); the learning rate is unchanged.\n");
      return;
    }
    if (lr <= this.minLr) return;
    const next = Math.max(lr * this.factor, this.minLr);
    this.scaleLearningRate(next / lr);
    if (this.verbose) stdout().write(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${next}.\n`);
    this.cooldownCounter = this.cooldown;
    this.wait = 0;
  }

  private scaleLearningRate(ratio: number): void {
    const model = this.model!;
    const optimizerStates = model.states.optimizerStates as Record<string, TensorTree> | undefined;
    const lrScale = isPlainObject(optimizerStates) ? optimizerStates.lrScale : undefined;
    if (!isTensor(lrScale)) {
      throw new ElegyInputError("ReduceLROnPlateau needs states.optimizerStates.lrScale, which elegy-ts optimizers keep; this model's optimizer state has none.");
    }
    const scaled = tf.mul(lrScale, ratio) as tf.Scalar;
    model.setStates(model.states.update({ optimizerStates: { ...optimizerStates, lrScale: scaled } }));
  }
}

export function reduceLROnPlateau(options?: ReduceLROnPlateauOptions): ReduceLROnPlateau {
  checkOptionKeys("callbacks.reduceLROnPlateau", options, REDUCE_LR_ON_PLATEAU_OPTIONS);
  return new ReduceLROnPlateau(options);
}
