// A sweep on this machine: its trials as separate processes, at most `workers` at a time, each
// with one compute thread. A trial that crashes or is killed is marked failed and the sweep goes
// on; the table is rewritten as each trial starts and ends, so an interrupted sweep resumes.
import { hostname } from "node:os";
import { ProgressBoard, valuesText } from "./progress";
import { recordOf } from "./outcome";
import { SweepFolder } from "./sweep-folder";
import { TrialCommand, runTrialProcess } from "./trial-process";
import { formatValue } from "../callbacks/progress-bar";

/** How many trials run at once: one per worker, no more than there are trials to run. */
export function trialsAtOnce(workers: number, pending: number): number {
  return Math.min(workers, pending);
}

export async function runLocalSweep(folder: SweepFolder, command: TrialCommand, workers: number, board: ProgressBoard): Promise<void> {
  const queue = folder.pending();
  const total = folder.table.trials.length;
  const runOne = async (): Promise<void> => {
    for (let trial = queue.shift(); trial !== undefined; trial = queue.shift()) {
      const { id, values } = trial;
      folder.update(id, { status: "running", worker: `${hostname()}:${process.pid}` });
      const label = `[${valuesText(values)}]`;
      board.set(id, `${label} starting`);
      const outcome = await runTrialProcess(command, folder.trialDir(id), values, (text) => board.set(id, `${label} ${text}`));
      const record = folder.update(id, recordOf(outcome, folder.trialDir(id), folder.plan.objective, folder.plan.mode));
      const done = folder.table.trials.filter((t) => t.status === "done" || t.status === "failed").length;
      board.finish(
        id,
        record.status === "done"
          ? `${label} done: ${folder.plan.objective} ${formatValue(record.objective!)} (epoch ${record.bestEpoch ?? "-"}), ${record.seconds}s  [${done}/${total}]`
          : `${label} FAILED: ${record.error?.split("\n").slice(-1)[0]}  [${done}/${total}]`,
      );
    }
  };
  await Promise.all(Array.from({ length: trialsAtOnce(workers, queue.length) }, runOne));
}
