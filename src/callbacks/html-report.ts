// HtmlReport: writes the training report (SVG curves, train vs validation) when fit ends.
import { checkOptionKeys, optionKeys } from "../options-check";
import { ElegyInputError } from "../errors";
import { writeReport } from "../report/html-report";
import { Callback, EpochLogs } from "./callback";

export interface HtmlReportOptions {
  file: string;
  title?: string;
  facts?: Record<string, string | number>;
}

export const HTML_REPORT_OPTIONS = optionKeys<HtmlReportOptions>()(["file", "title", "facts"]);

export class HtmlReport extends Callback {
  private readonly epochs: number[] = [];
  private readonly history: Record<string, number[]> = {};

  constructor(private readonly options: HtmlReportOptions) {
    if (new.target === HtmlReport) checkOptionKeys("new callbacks.HtmlReport", options, HTML_REPORT_OPTIONS);
    // Checked now: otherwise the whole fit runs before writing the report fails.
    if (typeof options?.file !== "string" || options.file.length === 0) {
      throw new ElegyInputError("htmlReport needs a file: the HTML file to write, e.g. { file: 'runs/report.html' }.");
    }
    super();
  }

  onEpochEnd(epoch: number, logs: EpochLogs): void {
    this.epochs.push(epoch);
    for (const [name, value] of Object.entries(logs)) (this.history[name] ??= new Array(this.epochs.length - 1).fill(NaN)).push(value);
  }

  onTrainEnd(): void {
    writeReport(this.options.file, { title: this.options.title, epoch: this.epochs, history: this.history, facts: this.options.facts });
  }
}

export function htmlReport(options: HtmlReportOptions): HtmlReport {
  checkOptionKeys("callbacks.htmlReport", options, HTML_REPORT_OPTIONS);
  return new HtmlReport(options);
}
