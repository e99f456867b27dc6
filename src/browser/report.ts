// The `report` namespace in a page: the SVG line chart (no files involved); writing HTML reports
// and PNG files needs Node.
import { needsNode } from "../platform/needs-node";

export { lineChart, niceTicks } from "../report/svg-chart";
export type { Series } from "../report/svg-chart";

const INSTEAD = "In a page, draw the curves with report.lineChart (an SVG string) or your own canvas.";

export function renderReport(): never {
  throw needsNode("report.renderReport", INSTEAD);
}
export function writeReport(): never {
  throw needsNode("report.writeReport", INSTEAD);
}
export function quantities(): never {
  throw needsNode("report.quantities", INSTEAD);
}
export function grayscalePng(): never {
  throw needsNode("report.grayscalePng", INSTEAD);
}
export function imageGridPng(): never {
  throw needsNode("report.imageGridPng", INSTEAD);
}
export function renderSweepReport(): never {
  throw needsNode("report.renderSweepReport", "A sweep runs its trials as Node processes; open the report.html its out-dir holds.");
}
export function writeSweepReport(): never {
  throw needsNode("report.writeSweepReport", "A sweep runs its trials as Node processes; open the report.html its out-dir holds.");
}
