// The `report` namespace: training reports and images, written without any dependency.
export { renderReport, writeReport, quantities } from "./html-report";
export type { ReportInput } from "./html-report";
export { lineChart, niceTicks } from "./svg-chart";
export type { Series } from "./svg-chart";
export { grayscalePng, imageGridPng } from "./png";
