// Shared by callbacks that watch one log value (EarlyStopping, ModelCheckpoint,
// ReduceLROnPlateau): which direction is better, and the value in this epoch's logs.
import { ElegyInputError } from "../errors";
import { EpochLogs } from "./callback";
import { stderr } from "#platform/output";

export type MonitorMode = "auto" | "min" | "max";

/** Keras' "auto": accuracy-like and AUC-like logs improve upwards, everything else downwards. */
export function resolveMode(monitor: string, mode: MonitorMode = "auto"): "min" | "max" {
  if (mode !== "auto" && mode !== "min" && mode !== "max") {
    throw new ElegyInputError(`mode must be "auto", "min" or "max", got ${JSON.stringify(mode)}.`);
  }
  if (mode !== "auto") return mode;
  const name = monitor.replace(/^val_/, "");
  return /acc|auc|precision|recall|f1|^top_k/.test(name) ? "max" : "min";
}

/** Whether `current` beats `reference` by more than minDelta in the given direction. */
export function isImprovement(current: number, reference: number | undefined, mode: "min" | "max", minDelta = 0): boolean {
  if (reference === undefined) return true;
  const delta = Math.abs(minDelta);
  return mode === "min" ? current < reference - delta : current > reference + delta;
}

const warned = new Set<string>();

/** The monitored value, or undefined with a one-time warning naming the logs there are. */
export function monitoredValue(owner: string, monitor: string, logs: EpochLogs): number | undefined {
  const value = logs[monitor];
  if (value === undefined && !warned.has(`${owner}:${monitor}`)) {
    warned.add(`${owner}:${monitor}`);
    stderr().write(
      `elegy-ts: ${owner} watches '${monitor}', which is not in the logs. Available: ${Object.keys(logs).join(", ") || "(none)"}.\n`,
    );
  }
  return value;
}
