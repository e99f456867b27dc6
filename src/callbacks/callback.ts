import type { States } from "../states";

// The callback protocol, with Keras' hook names in camelCase. Every hook may be async;
// hooks run in the order the callbacks were given, and each is awaited.

/** Epoch-level logs: name → number (validation logs prefixed `val_`). */
export type EpochLogs = Record<string, number>;

/**
 * What a batch hook gets. Numbers are not read from the device per batch: a callback that
 * needs them calls `readLogs()` (the epoch-to-date values), and should do so sparingly.
 */
export interface BatchInfo {
  /** Examples in this batch. */
  readonly size: number;
  readonly readLogs: () => Promise<EpochLogs>;
}

/** The part of Model a callback may use (a structural type, to keep callbacks/ free of model/). */
export interface CallbackModel {
  /** Set to true to end fit after the current batch. */
  stopTraining: boolean;
  readonly states: States;
  /** Replaces the model's States (the old tensors it no longer holds are freed). */
  setStates(states: States): void;
  /** Writes a checkpoint of the current States. */
  save(dir: string): Promise<void>;
}

export abstract class Callback {
  model?: CallbackModel;
  params: Record<string, unknown> = {};

  setModel(model: CallbackModel): void {
    this.model = model;
  }

  setParams(params: Record<string, unknown>): void {
    this.params = params;
  }

  onTrainBegin?(logs?: EpochLogs): void | Promise<void>;
  onTrainEnd?(logs?: EpochLogs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: EpochLogs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs): void | Promise<void>;
  onTrainBatchBegin?(batch: number, info: BatchInfo): void | Promise<void>;
  onTrainBatchEnd?(batch: number, info: BatchInfo): void | Promise<void>;
  onTestBegin?(logs?: EpochLogs): void | Promise<void>;
  onTestEnd?(logs: EpochLogs): void | Promise<void>;
  onTestBatchBegin?(batch: number, info: BatchInfo): void | Promise<void>;
  onTestBatchEnd?(batch: number, info: BatchInfo): void | Promise<void>;
  onPredictBegin?(logs?: EpochLogs): void | Promise<void>;
  onPredictEnd?(logs?: EpochLogs): void | Promise<void>;
  onPredictBatchBegin?(batch: number, info: BatchInfo): void | Promise<void>;
  onPredictBatchEnd?(batch: number, info: BatchInfo): void | Promise<void>;
}
