// ModelCheckpoint: saves the model's States at the end of epochs (Keras semantics).
// `filepath` may contain {epoch} (1-based) and any log, with Keras-like formats:
// "runs/ckpt-{epoch:03d}-{val_loss:.4f}". A save never replaces a checkpoint with
// weights whose loss is NaN or infinite.
import { checkOptionKeys, optionKeys } from "../options-check";
import { ElegyInputError } from "../errors";
import { Callback, EpochLogs } from "./callback";
import { allFinite } from "./finite";
import { MonitorMode, isImprovement, monitoredValue, resolveMode } from "./monitor";
import { stderr, stdout } from "#platform/output";

export interface ModelCheckpointOptions {
  /** Folder to save into; may contain {epoch} and {<log name>} placeholders. */
  filepath: string;
  monitor?: string;
  saveBestOnly?: boolean;
  mode?: MonitorMode;
  /** Save every N epochs (default 1). */
  period?: number;
  verbose?: 0 | 1;
}

export const MODEL_CHECKPOINT_OPTIONS = optionKeys<ModelCheckpointOptions>()(["filepath", "monitor", "saveBestOnly", "mode", "period", "verbose"]);

/** Fills {name}, {name:0Nd} and {name:.Nf} placeholders. */
export function formatPath(template: string, values: Record<string, number>): string {
  return template.replace(/\{([A-Za-z_][\w]*)(?::(0?\d*)d|:\.(\d+)f)?\}/g, (match, name: string, width?: string, decimals?: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new ElegyInputError(`ModelCheckpoint filepath '${template}' names '{${name}}', which is not in the logs: ${Object.keys(values).join(", ")}.`);
    }
    if (decimals !== undefined) return value.toFixed(Number(decimals));
    if (width !== undefined) return String(Math.round(value)).padStart(Number(width) || 0, width.startsWith("0") ? "0" : " ");
    return Number.isInteger(value) ? String(value) : String(value);
  });
}

export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  private readonly saveBestOnly: boolean;
  private readonly mode: "min" | "max";
  private readonly period: number;
  private readonly verbose: number;
  best: number | undefined;
  /** Folders written, in order. */
  readonly saved: string[] = [];

  constructor(options: ModelCheckpointOptions) {
    if (new.target === ModelCheckpoint) checkOptionKeys("new callbacks.ModelCheckpoint", options, MODEL_CHECKPOINT_OPTIONS);
    super();
    if (typeof options?.filepath !== "string" || options.filepath.length === 0) {
      throw new ElegyInputError("modelCheckpoint needs a filepath: the folder to save into, e.g. { filepath: 'runs/ckpt-{epoch}' }.");
    }
    this.filepath = options.filepath;
    this.monitor = options.monitor ?? "val_loss";
    this.saveBestOnly = options.saveBestOnly ?? false;
    this.mode = resolveMode(this.monitor, options.mode);
    this.period = options.period ?? 1;
    if (!Number.isInteger(this.period) || this.period < 1) throw new ElegyInputError(`modelCheckpoint period must be a positive integer, got ${this.period}.`);
    this.verbose = options.verbose ?? 0;
  }

  async onEpochEnd(epoch: number, logs: EpochLogs): Promise<void> {
    if ((epoch + 1) % this.period !== 0) return;
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      stderr().write(`elegy-ts: ModelCheckpoint skipped epoch ${epoch + 1}: loss is ${loss}; the last good checkpoint is kept.\n`);
      return;
    }
    let improved: number | undefined;
    if (this.saveBestOnly) {
      const current = monitoredValue("ModelCheckpoint", this.monitor, logs);
      if (current === undefined || !Number.isFinite(current) || !isImprovement(current, this.best, this.mode)) return;
      improved = current;
    }
    // A finite loss does not make finite params (the epoch's last update may have made them
    // NaN): a checkpoint is only written, and only becomes "best", when they are finite.
    const states = this.model!.states;
    if (!allFinite([states.netParams, states.netStates, states.optimizerStates])) {
      stderr().write(`elegy-ts: ModelCheckpoint skipped epoch ${epoch + 1}: the params hold NaN or Infinity; the last good checkpoint is kept.\n`);
      return;
    }
    if (improved !== undefined) {
      if (this.verbose) stdout().write(`Epoch ${epoch + 1}: ${this.monitor} improved to ${improved}, saving model\n`);
      this.best = improved;
    }
    const dir = formatPath(this.filepath, { ...logs, epoch: epoch + 1 });
    await this.model!.save(dir);
    this.saved.push(dir);
  }
}

export function modelCheckpoint(options: ModelCheckpointOptions): ModelCheckpoint {
  checkOptionKeys("callbacks.modelCheckpoint", options, MODEL_CHECKPOINT_OPTIONS);
  return new ModelCheckpoint(options);
}
