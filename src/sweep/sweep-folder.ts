// A sweep's folder: sweep.json (what it runs — the same definition gives the same trials), the
// table (trials.json, trials.csv), report.html, and one run folder per trial. Opening a folder
// that already holds the same sweep resumes it: finished trials are kept, the others run again.
import * as fs from "node:fs";
import * as path from "node:path";
import { CliError } from "../cli/cli-error";
import { displayPath } from "../display-path";
import { PlannedTrial } from "./plan";
import { SweepTable, TrialRecord, readTable, writeTable } from "./results";
import { writeSweepReport } from "../report/sweep-report";
import { readHistoryCsv } from "../trainer/history-file";

export interface SweepPlan {
  file: string;
  model: string;
  objective: string;
  mode: "min" | "max";
  method: "grid" | "random";
  /** The trainer flags every trial shares (--epochs, --batch-size, --backend). */
  flags: string[];
  trials: PlannedTrial[];
}

export class SweepFolder {
  private constructor(
    readonly dir: string,
    readonly plan: SweepPlan,
    readonly table: SweepTable,
    /** Trials found finished in the folder when it was opened. */
    readonly resumed: number,
  ) {}

  /** Opens (or creates) the folder for this plan; a folder holding another sweep is refused. */
  static open(dir: string, plan: SweepPlan): SweepFolder {
    const planFile = path.join(dir, "sweep.json");
    let resumed = 0;
    let table: SweepTable = { objective: plan.objective, mode: plan.mode, trials: plan.trials.map((t) => ({ id: t.id, values: t.values, status: "pending" as const })) };
    if (fs.existsSync(planFile)) {
      const before = JSON.parse(fs.readFileSync(planFile, "utf8")) as SweepPlan;
      const same = (keys: (keyof SweepPlan)[]) => keys.every((k) => JSON.stringify(before[k]) === JSON.stringify(plan[k]));
      if (!same(["model", "objective", "mode", "trials", "flags"])) {
        throw new CliError(
          `elegy-ts sweep: ${displayPath(dir)} holds another sweep (${before.model}, ${before.trials.length} trials of other values, objective or flags). ` +
            `Give another --out-dir, or remove that folder to start over.`,
        );
      }
      const old = readTable(dir);
      if (old) {
        table = { ...table, trials: table.trials.map((t) => old.trials.find((o) => o.id === t.id && o.status === "done") ?? t) };
        resumed = table.trials.filter((t) => t.status === "done").length;
      }
    }
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(planFile, `${JSON.stringify(plan, null, 2)}\n`);
    const folder = new SweepFolder(dir, plan, table, resumed);
    folder.save();
    return folder;
  }

  /** The run folder of one trial. */
  trialDir(id: string): string {
    return path.join(this.dir, id);
  }

  /** Trials still to run, in order. */
  pending(): TrialRecord[] {
    return this.table.trials.filter((t) => t.status !== "done");
  }

  /** Records a trial's new state and rewrites the table and the report. */
  update(id: string, change: Partial<TrialRecord>): TrialRecord {
    const record = this.table.trials.find((t) => t.id === id)!;
    for (const key of ["objective", "bestEpoch", "epochs", "seconds", "logs", "error", "worker"] as const) delete record[key];
    Object.assign(record, change);
    this.save();
    return record;
  }

  save(): void {
    writeTable(this.dir, this.table);
    writeSweepReport(path.join(this.dir, "report.html"), {
      title: `Sweep of ${this.plan.model} — ${path.basename(this.plan.file)}`,
      table: this.table,
      histories: Object.fromEntries(this.table.trials.filter((t) => t.status === "done").map((t) => [t.id, readHistoryCsv(path.join(this.trialDir(t.id), "history.csv"))])),
      trialHref: (id) => `${id}/report.html`,
    });
  }
}
