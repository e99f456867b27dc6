// A sweep's folder: sweep.json (what it runs — the same definition gives the same trials), the
// table (trials.json, trials.csv), report.html, and one run folder per trial. Opening a folder
// that already holds the same sweep resumes it: finished trials are kept, the others run again,
// and trials the new plan adds after the recorded ones (a larger --trials) run too.
import * as fs from "node:fs";
import * as path from "node:path";
import { CliError } from "../cli/cli-error";
import { displayPath } from "../display-path";
import { SweepPlan } from "./plan";
import { matchPlans } from "./plan-match";
import { SweepTable, TrialRecord, readTable, writeTable } from "./results";
import { writeSweepReport } from "../report/sweep-report";
import { readHistoryCsv } from "../trainer/history-file";

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
      const match = matchPlans(before, plan);
      if (match.kind === "other") {
        throw new CliError(
          `elegy-ts sweep: ${displayPath(dir)} holds another sweep: ${match.differences.join("; ")}. ` +
            `Give another --out-dir, or remove that folder to start over.`,
        );
      }
      if (match.kind === "fewer") {
        const dropped = match.dropped.map((t) => t.id);
        throw new CliError(
          `elegy-ts sweep: ${displayPath(dir)} holds ${before.trials.length} trials of this sweep, and this run plans ${plan.trials.length}: ` +
            `${dropped.length > 2 ? `${dropped[0]} … ${dropped.at(-1)}` : dropped.join(" and ")} would fall out of its table. ` +
            `Give --trials ${before.trials.length} or more to continue it, or another --out-dir.`,
        );
      }
      // The same sweep, perhaps with more trials: the recorded ones keep their results.
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
