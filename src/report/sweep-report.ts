// A sweep's report: its trials ranked by the objective (values, best epoch, time, status), and
// the curves of the best trials drawn with the single-run report's chart and page.
import { escapeHtml, reportPage, writePage } from "./html-report";
import { Series, lineChart } from "./svg-chart";
import type { SweepTable } from "../sweep/results";

export interface SweepReportInput {
  title: string;
  table: SweepTable;
  /** Each finished trial's history.csv, read. */
  histories: Record<string, { epoch: number[]; history: Record<string, number[]> }>;
  /** Link from a trial's row to its own report. */
  trialHref?: (id: string) => string;
}

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"];

const cell = (v: unknown) => `<td>${escapeHtml(v === undefined ? "" : typeof v === "number" && !Number.isInteger(v) ? String(Number(v.toPrecision(4))) : String(v))}</td>`;

export function renderSweepReport(input: SweepReportInput): string {
  const { table } = input;
  const done = table.trials.filter((t) => t.status === "done" && t.objective !== undefined);
  done.sort((a, b) => (table.mode === "min" ? a.objective! - b.objective! : b.objective! - a.objective!));
  const order = [...done, ...table.trials.filter((t) => !done.includes(t))];
  const names = [...new Set(table.trials.flatMap((t) => Object.keys(t.values)))];
  const header = ["rank", "trial", ...names, `${table.objective} (${table.mode})`, "best epoch", "epochs", "seconds", "status"];
  const rows = order.map((t, i) => {
    const id = input.trialHref && t.status === "done" ? `<a href="${escapeHtml(input.trialHref(t.id))}">${escapeHtml(t.id)}</a>` : escapeHtml(t.id);
    const status = t.status === "failed" ? `failed: ${t.error?.split("\n")[0] ?? ""}` : t.status;
    return `<tr>${cell(t.status === "done" ? i + 1 : "")}<td>${id}</td>${names.map((n) => cell(t.values[n])).join("")}${cell(t.objective)}${cell(t.bestEpoch)}${cell(t.epochs)}${cell(t.seconds?.toFixed(1))}${cell(status)}</tr>`;
  });
  // The objective and its training-side twin, for the best few trials.
  const top = done.slice(0, COLORS.length).filter((t) => input.histories[t.id]);
  const charted = [...new Set([table.objective, table.objective.replace(/^val_/, "")])];
  const charts = charted.flatMap((name) => {
    const series: Series[] = top
      .map((t, k) => ({ name: t.id, values: input.histories[t.id].history[name] ?? [], color: COLORS[k] }))
      .filter((s) => s.values.length > 0);
    if (series.length === 0) return [];
    const longest = Math.max(...series.map((s) => s.values.length));
    return [`<figure>${lineChart(`${name} — best ${series.length} trial${series.length === 1 ? "" : "s"}`, series, Array.from({ length: longest }, (_, e) => e + 1), 640, 300)}</figure>`];
  });
  const counts = ["done", "failed", "running", "pending"].map((s) => [s, table.trials.filter((t) => t.status === s).length] as const).filter(([, n]) => n > 0);
  const facts = [["objective", `${table.objective} (${table.mode === "min" ? "lower" : "higher"} is better)`], ["best", table.best ?? "none yet"], ["trials", counts.map(([s, n]) => `${n} ${s}`).join(", ")]];
  return reportPage(
    input.title,
    `<dl>${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("")}</dl>
<div class="charts">${charts.join("\n")}</div>
<table><tr>${header.map((h) => `<td><b>${escapeHtml(h)}</b></td>`).join("")}</tr>
${rows.join("\n")}</table>`,
  );
}

export function writeSweepReport(file: string, input: SweepReportInput): void {
  writePage(file, renderSweepReport(input));
}
