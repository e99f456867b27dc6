// A small line chart as inline SVG: one or more series over epochs, with "nice" y ticks.
import { checkOptionKeys, optionKeys } from "../options-check";

export interface Series {
  name: string;
  values: number[];
  color: string;
}

export const SERIES_KEYS = optionKeys<Series>()(["name", "values", "color"]);

const escapeXml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Round tick steps (1, 2, 5 × 10^k) covering [min, max] with about `count` ticks. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) return [];
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    [min, max] = [min - pad, max + pad];
  }
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  // From the tick at or below min up to the first at or above max, so every point lies inside the frame.
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  return Math.abs(v) >= 1e5 ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

const LEGEND_Y = 32;
const LEGEND_ITEM_WIDTH = 96;

export function lineChart(title: string, series: Series[], epochs: number[], width = 480, height = 260): string {
  for (const one of series) checkOptionKeys("report.lineChart", one, SERIES_KEYS);
  // The legend gets its own row under the title, so it never covers a curve.
  const margin = { left: 56, right: 16, top: 44, bottom: 40 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite));
  const ticks = niceTicks(Math.min(...finite), Math.max(...finite));
  const [lo, hi] = [ticks[0] ?? 0, ticks[ticks.length - 1] ?? 1];
  const xs = epochs.length > 1 ? epochs : [epochs[0] ?? 0, (epochs[0] ?? 0) + 1];
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const px = (e: number) => margin.left + ((e - x0) / (x1 - x0 || 1)) * plotW;
  const py = (v: number) => margin.top + plotH - ((v - lo) / (hi - lo || 1)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="600">${escapeXml(title)}</text>`,
  ];
  for (const t of ticks) {
    const y = py(t).toFixed(1);
    parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#555">${formatTick(t)}</text>`);
  }
  const xTickEvery = Math.max(1, Math.ceil(epochs.length / 10));
  epochs.forEach((e, i) => {
    if (i % xTickEvery !== 0 && i !== epochs.length - 1) return;
    parts.push(`<text x="${px(e).toFixed(1)}" y="${height - margin.bottom + 16}" text-anchor="middle" font-size="11" fill="#555">${e}</text>`);
  });
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 6}" text-anchor="middle" font-size="11" fill="#333">epoch</text>`);
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  const legendX = margin.left + plotW / 2 - (series.length * LEGEND_ITEM_WIDTH) / 2;
  series.forEach((s, k) => {
    const points = s.values.map((v, i) => (Number.isFinite(v) ? `${px(epochs[i]).toFixed(1)},${py(v).toFixed(1)}` : undefined)).filter(Boolean);
    if (points.length > 1) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(" ")}"/>`);
    for (const p of points) {
      const [cx, cy] = p!.split(",");
      parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${s.color}"/>`);
    }
    const lx = legendX + k * LEGEND_ITEM_WIDTH;
    parts.push(`<line x1="${lx}" x2="${lx + 16}" y1="${LEGEND_Y}" y2="${LEGEND_Y}" stroke="${s.color}" stroke-width="2"/>`);
    parts.push(`<text x="${lx + 20}" y="${LEGEND_Y}" dominant-baseline="middle" font-size="11">${escapeXml(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}
