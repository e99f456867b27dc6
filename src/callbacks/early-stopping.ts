// EarlyStopping: stops fit when a monitored log stops improving (Keras semantics).
// restoreBestWeights restores the whole netParams and netStates of the best epoch.
import { checkOptionKeys, optionKeys } from "../options-check";
import { tf } from "../tf";
import { States } from "../states";
import { StateTree, TensorTree, mapTree } from "../tree";
import { Callback, EpochLogs } from "./callback";
import { MonitorMode, isImprovement, monitoredValue, resolveMode } from "./monitor";
import { stdout } from "#platform/output";

export interface EarlyStoppingOptions {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: MonitorMode;
  /** Stop unless the monitored value beats this. */
  baseline?: number;
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching at all (warm-up). */
  startFromEpoch?: number;
  verbose?: 0 | 1;
}

export const EARLY_STOPPING_OPTIONS = optionKeys<EarlyStoppingOptions>()(["monitor", "minDelta", "patience", "mode", "baseline", "restoreBestWeights", "startFromEpoch", "verbose"]);

interface Snapshot {
  netParams: TensorTree;
  netStates: StateTree;
}

export class EarlyStopping extends Callback {
  readonly monitor: string;
  private readonly minDelta: number;
  private readonly patience: number;
  private readonly mode: "min" | "max";
  private readonly baseline?: number;
  private readonly restoreBestWeights: boolean;
  private readonly startFromEpoch: number;
  private readonly verbose: number;
  wait = 0;
  stoppedEpoch = 0;
  best: number | undefined;
  bestEpoch = 0;
  private bestWeights: Snapshot | undefined;

  constructor(options: EarlyStoppingOptions = {}) {
    if (new.target === EarlyStopping) checkOptionKeys("new callbacks.EarlyStopping", options, EARLY_STOPPING_OPTIONS);
    super();
    this.monitor = options.monitor ?? "val_loss";
    this.minDelta = options.minDelta ?? 0;
    this.patience = options.patience ?? 0;
    this.mode = resolveMode(this.monitor, options.mode);
    this.baseline = options.baseline;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.startFromEpoch = options.startFromEpoch ?? 0;
    this.verbose = options.verbose ?? 0;
  }

  onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = undefined;
    this.bestEpoch = 0;
    this.dropSnapshot();
  }

  onEpochEnd(epoch: number, logs: EpochLogs): void {
    const current = monitoredValue("EarlyStopping", this.monitor, logs);
    if (current === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === undefined) this.takeSnapshot(epoch);
    this.wait += 1;
    if (isImprovement(current, this.best, this.mode, this.minDelta)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.takeSnapshot(epoch);
      // Patience restarts only when the baseline is beaten too.
      if (this.baseline === undefined || isImprovement(current, this.baseline, this.mode, this.minDelta)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model!.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose) stdout().write(`Epoch ${this.stoppedEpoch + 1}: early stopping\n`);
    if (this.restoreBestWeights && this.bestWeights) {
      if (this.verbose) stdout().write(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.\n`);
      const model = this.model!;
      model.setStates(model.states.update({ netParams: this.bestWeights.netParams, netStates: this.bestWeights.netStates }));
      this.bestWeights = undefined; // now owned by the model's states
    }
  }

  private takeSnapshot(epoch: number): void {
    this.dropSnapshot();
    const states: States = this.model!.states;
    // tf.clone shares the tensor's data (tensors are immutable): a snapshot costs no copy.
    this.bestWeights = {
      netParams: states.netParams === undefined ? undefined : mapTree(states.netParams, (t) => tf.keep(tf.clone(t))),
      netStates: states.netStates === undefined ? undefined : mapTree(states.netStates, (t) => tf.keep(tf.clone(t))),
    };
    this.bestEpoch = epoch;
  }

  private dropSnapshot(): void {
    if (this.bestWeights) tf.dispose([this.bestWeights.netParams, this.bestWeights.netStates] as tf.TensorContainer);
    this.bestWeights = undefined;
  }
}

export function earlyStopping(options?: EarlyStoppingOptions): EarlyStopping {
  checkOptionKeys("callbacks.earlyStopping", options, EARLY_STOPPING_OPTIONS);
  return new EarlyStopping(options);
}
