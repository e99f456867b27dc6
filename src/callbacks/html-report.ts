// HtmlReport: writes the training report (SVG curves, train vs validation) when fit ends.
import { writeReport } from "../report/html-report";
import { Callback, EpochLogs } from "./callback";

export interface HtmlReportOptions {
  file: string;
  title?: string;
  facts?: Record<string, string | number>;
}

export class HtmlReport extends Callback {
  private readonly epochs: number[] = [];
  private readonly history: Record<string, number[]> = {};

  constructor(private readonly options: HtmlReportOptions) {
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
  return new HtmlReport(options);
}
