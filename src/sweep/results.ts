// A sweep's results: one record per trial, the objective read from the trial's own history.csv
// (its best epoch) or final logs, and the table written as trials.json and trials.csv.
import * as fs from "node:fs";
import * as path from "node:path";
import { readHistoryCsv } from "../trainer/history-file";
import { TrialValues } from "./plan";

export type TrialStatus = "pending" | "running" | "done" | "failed";

export interface TrialRecord {
  id: string;
  values: TrialValues;
  status: TrialStatus;
  /** The objective's best value over the trial's epochs (or its final value when no epoch logged it). */
  objective?: number;
  /** The epoch (1-based) of that best value. */
  bestEpoch?: number;
  /** Epochs in the trial's history.csv. */
  epochs?: number;
  /** Wall time of the trial's process, in seconds. */
  seconds?: number;
  /** The trial's final logs (its test evaluation, or its last epoch's logs). */
  logs?: Record<string, number>;
  /** Why it failed. */
  error?: string;
  /** Which worker ran it (queue sweeps: host and process). */
  worker?: string;
}

export interface SweepTable {
  objective: string;
  mode: "min" | "max";
  /** The best finished trial's id. */
  best?: string;
  trials: TrialRecord[];
}

/** The objective of a finished trial: its best epoch in history.csv, else its final logs. */
export function objectiveOf(
  historyFile: string,
  logs: Record<string, number>,
  objective: string,
  mode: "min" | "max",
): Pick<TrialRecord, "objective" | "bestEpoch" | "epochs"> {
  const table = readHistoryCsv(historyFile);
  const column = table.history[objective];
  const epochs = table.epoch.length;
  if (column && column.some(Number.isFinite)) {
    let best = -1;
    column.forEach((v, i) => {
      if (Number.isFinite(v) && (best < 0 || (mode === "min" ? v < column[best] : v > column[best]))) best = i;
    });
    return { objective: column[best], bestEpoch: table.epoch[best] + 1, epochs };
  }
  if (Number.isFinite(logs[objective])) return { objective: logs[objective], epochs };
  const known = [...new Set([...Object.keys(table.history), ...Object.keys(logs)])].sort();
  throw new Error(`the objective '${objective}' is not among the trial's logs (${known.join(", ") || "none"}); choose one of them as objective.`);
}

/** Finished trials best first, then the others in order. */
export function ranked(table: SweepTable): TrialRecord[] {
  const done = table.trials.filter((t) => t.status === "done" && t.objective !== undefined);
  done.sort((a, b) => (table.mode === "min" ? a.objective! - b.objective! : b.objective! - a.objective!));
  return [...done, ...table.trials.filter((t) => !done.includes(t))];
}

function csvCell(value: unknown): string {
  if (value === undefined) return "";
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** trials.csv: one row per trial, in trial order. */
export function trialsCsv(table: SweepTable): string {
  const names = [...new Set(table.trials.flatMap((t) => Object.keys(t.values)))];
  const header = ["trial", "status", table.objective, "best_epoch", "epochs", "seconds", ...names, "error"];
  const rows = table.trials.map((t) =>
    [t.id, t.status, t.objective, t.bestEpoch, t.epochs, t.seconds?.toFixed(1), ...names.map((n) => t.values[n]), t.error?.split("\n")[0]].map(csvCell).join(","),
  );
  return [header.map(csvCell).join(","), ...rows].map((line) => `${line}\n`).join("");
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}

/** Writes trials.json and trials.csv (each atomically), with the best trial named. */
export function writeTable(dir: string, table: SweepTable): void {
  const best = ranked(table)[0];
  table.best = best?.status === "done" ? best.id : undefined;
  fs.mkdirSync(dir, { recursive: true });
  writeAtomically(path.join(dir, "trials.json"), `${JSON.stringify(table, null, 2)}\n`);
  writeAtomically(path.join(dir, "trials.csv"), trialsCsv(table));
}

/** The table of a sweep folder, if it has one. */
export function readTable(dir: string): SweepTable | undefined {
  const file = path.join(dir, "trials.json");
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, "utf8")) as SweepTable;
}
