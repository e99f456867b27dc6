// The trainer's history.csv (written by callbacks.csvLogger: `epoch,<log names sorted>`), read
// back so the report covers every epoch of a resumed run, and cut back to the checkpoint's epoch
// before a resume appends to it.
import * as fs from "node:fs";

export interface HistoryTable {
  epoch: number[];
  history: Record<string, number[]>;
}

function rows(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter((line) => line.length > 0) : [];
}

/** The epochs and each column of a history.csv ("NA" cells read as NaN). */
export function readHistoryCsv(file: string): HistoryTable {
  const [header, ...body] = rows(file);
  if (header === undefined) return { epoch: [], history: {} };
  const [, ...names] = header.split(",");
  const table: HistoryTable = { epoch: [], history: Object.fromEntries(names.map((n) => [n, []])) };
  for (const row of body) {
    const [epoch, ...cells] = row.split(",");
    table.epoch.push(Number(epoch));
    names.forEach((name, i) => table.history[name].push(cells[i] === undefined || cells[i] === "NA" ? NaN : Number(cells[i])));
  }
  return table;
}

/** Keeps the header and the rows of epochs before `epochs` (a run that died after logging an epoch it did not checkpoint). */
export function truncateHistoryCsv(file: string, epochs: number): void {
  const [header, ...body] = rows(file);
  if (header === undefined) return;
  const kept = body.filter((row) => Number(row.split(",", 1)[0]) < epochs);
  if (kept.length !== body.length) fs.writeFileSync(file, [header, ...kept].map((line) => `${line}\n`).join(""));
}
