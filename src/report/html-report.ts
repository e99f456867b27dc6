// The training report: one self-contained HTML page (no scripts, no external files) with an
// SVG chart per logged quantity, train and validation curves together, and a table of the
// final values.
import * as fs from "node:fs";
import * as path from "node:path";
import { checkOptionKeys, optionKeys } from "../options-check";
import { lineChart } from "./svg-chart";

export interface ReportInput {
  title?: string;
  /** History.epoch (0-based). */
  epoch: number[];
  /** History.history. */
  history: Record<string, number[]>;
  /** Extra facts shown above the charts (backend, epochs, test logs…). */
  facts?: Record<string, string | number>;
}

export const REPORT_INPUT_KEYS = optionKeys<ReportInput>()(["title", "epoch", "history", "facts"]);

const TRAIN_COLOR = "#1f77b4";
const VAL_COLOR = "#ff7f0e";
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The quantities to chart: every log name without its val_ prefix, in first-seen order. */
export function quantities(history: Record<string, number[]>): string[] {
  const names: string[] = [];
  for (const key of Object.keys(history)) {
    const base = key.startsWith("val_") ? key.slice(4) : key;
    if (!names.includes(base)) names.push(base);
  }
  return names;
}

export function renderReport(input: ReportInput): string {
  // A misspelt key (`facs`, Keras' `logs`) would leave its part out of the page without a word.
  checkOptionKeys("report.renderReport", input, REPORT_INPUT_KEYS);
  return reportHtml(input);
}

function reportHtml(input: ReportInput): string {
  const title = input.title ?? "Training report";
  const epochs = input.epoch.map((e) => e + 1);
  const charts = quantities(input.history).map((name) => {
    const series = [];
    if (input.history[name]) series.push({ name: "train", values: input.history[name], color: TRAIN_COLOR });
    if (input.history[`val_${name}`]) series.push({ name: "validation", values: input.history[`val_${name}`], color: VAL_COLOR });
    return `<figure>${lineChart(name, series, epochs)}</figure>`;
  });
  const last = (values: number[]) => values[values.length - 1];
  const rows = Object.entries(input.history)
    .map(([name, values]) => `<tr><td>${escapeHtml(name)}</td><td>${Number(last(values)?.toPrecision(6))}</td></tr>`)
    .join("");
  const facts = Object.entries(input.facts ?? {})
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(String(v))}</dd>`)
    .join("");
  return reportPage(
    title,
    `${facts ? `<dl>${facts}</dl>` : ""}
<div class="charts">${charts.join("\n")}</div>
<table><tr><td><b>log</b></td><td><b>last epoch</b></td></tr>${rows}</table>`,
  );
}

/** The page every report shares: title, style, and the given body. */
export function reportPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 12px}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px;margin:0 0 16px;font-size:13px}
dt{font-weight:600}dd{margin:0}
.charts{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0;border:1px solid #ddd;background:#fff}
table{border-collapse:collapse;margin-top:16px;font-size:13px}
td{border:1px solid #ddd;padding:3px 8px}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

/** Writes a page atomically (temp file + rename). */
export function writePage(file: string, html: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, html);
  fs.renameSync(temporary, file);
}

/** Writes the report atomically (temp file + rename). */
export function writeReport(file: string, input: ReportInput): void {
  checkOptionKeys("report.writeReport", input, REPORT_INPUT_KEYS);
  writePage(file, reportHtml(input));
}
