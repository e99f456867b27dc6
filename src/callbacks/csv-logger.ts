// CSVLogger: one row per epoch, columns `epoch` then the log names sorted (as Keras).
import { checkOptionKeys, optionKeys } from "../options-check";
import * as fs from "node:fs";
import * as path from "node:path";
import { ElegyInputError } from "../errors";
import { Callback, EpochLogs } from "./callback";

export interface CSVLoggerOptions {
  filename: string;
  separator?: string;
  /** Append to an existing file instead of overwriting it. */
  append?: boolean;
}

export const CSV_LOGGER_OPTIONS = optionKeys<CSVLoggerOptions>()(["filename", "separator", "append"]);

export class CSVLogger extends Callback {
  private keys: string[] | undefined;

  constructor(private readonly options: CSVLoggerOptions) {
    if (new.target === CSVLogger) checkOptionKeys("new callbacks.CSVLogger", options, CSV_LOGGER_OPTIONS);
    if (typeof options?.filename !== "string" || options.filename.length === 0) {
      throw new ElegyInputError("csvLogger needs a filename: the CSV file to write, e.g. { filename: 'runs/log.csv' } or csvLogger('runs/log.csv').");
    }
    super();
  }

  onTrainBegin(): void {
    fs.mkdirSync(path.dirname(path.resolve(this.options.filename)), { recursive: true });
    const appending = this.options.append && fs.existsSync(this.options.filename) && fs.statSync(this.options.filename).size > 0;
    if (!appending) fs.writeFileSync(this.options.filename, "");
    this.keys = appending ? this.headerOf(this.options.filename) : undefined;
  }

  onEpochEnd(epoch: number, logs: EpochLogs): void {
    const sep = this.options.separator ?? ",";
    let text = "";
    if (this.keys === undefined) {
      this.keys = Object.keys(logs).sort();
      text += ["epoch", ...this.keys].join(sep) + "\n";
    }
    text += [String(epoch), ...this.keys.map((k) => (logs[k] === undefined ? "NA" : String(logs[k])))].join(sep) + "\n";
    fs.appendFileSync(this.options.filename, text);
  }

  private headerOf(file: string): string[] | undefined {
    const first = fs.readFileSync(file, "utf8").split("\n", 1)[0];
    const columns = first.split(this.options.separator ?? ",");
    return columns[0] === "epoch" ? columns.slice(1) : undefined;
  }
}

export function csvLogger(options: CSVLoggerOptions | string): CSVLogger {
  if (typeof options !== "string") checkOptionKeys("callbacks.csvLogger", options, CSV_LOGGER_OPTIONS);
  return new CSVLogger(typeof options === "string" ? { filename: options } : options);
}
