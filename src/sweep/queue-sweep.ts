// A sweep through a BullMQ queue: its pending trials are added as jobs (one id per sweep and
// trial, so adding again — a resumed sweep — never makes a second job), and their states are
// followed until each has completed or failed. Workers anywhere run them (queue-worker.ts); a
// worker that dies mid-trial loses its lock, and BullMQ's stalled-job check gives the trial to
// another. Each trial is recorded once, when its job completes.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatValue } from "../callbacks/progress-bar";
import { ProgressBoard, valuesText } from "./progress";
import { SweepFolder } from "./sweep-folder";
import { TrialCommand } from "./trial-process";
import { TrialJob, TrialJobProgress, TrialJobResult, loadBullmq, parseQueueAddress } from "./queue";

const POLL_MS = 300;

export async function runQueuedSweep(folder: SweepFolder, command: TrialCommand, url: string, board: ProgressBoard): Promise<void> {
  const address = parseQueueAddress(url);
  const { Queue, Job } = loadBullmq();
  const queue = new Queue<TrialJob, TrialJobResult>(address.name, { connection: address.connection });
  queue.on("error", () => undefined); // connection errors surface from the awaited calls below
  const sweep = crypto.createHash("sha256").update(JSON.stringify({ dir: folder.dir, plan: folder.plan })).digest("hex").slice(0, 12);
  const jobId = (trial: string) => `${sweep}-${trial}`;
  try {
    const pending = folder.pending();
    for (const trial of pending) {
      const data: TrialJob = {
        sweep,
        trial: trial.id,
        file: command.file,
        model: command.model,
        flags: [...command.flags],
        values: trial.values,
        outDir: folder.trialDir(trial.id),
        objective: folder.plan.objective,
        mode: folder.plan.mode,
      };
      const job = await queue.add(trial.id, data, { jobId: jobId(trial.id), attempts: 1, removeOnComplete: false, removeOnFail: false });
      // A job left failed by an earlier run of this sweep is run again, as a local resume would.
      if ((await job.getState()) === "failed") await job.retry("failed");
    }
    const open = new Map(pending.map((t) => [t.id, t]));
    const total = folder.table.trials.length;
    while (open.size > 0) {
      for (const [id, trial] of open) {
        // The state first, then the job: read the other way round, a job that completed in between
        // says "completed" while the copy read before holds no return value yet.
        const state = await queue.getJobState(jobId(id));
        const job = await Job.fromId<TrialJob, TrialJobResult>(queue, jobId(id));
        if (!job) continue;
        const label = `[${valuesText(trial.values)}]`;
        if (state === "active") {
          const worker = job.processedBy;
          // `trial` is the table's own record: update it (and rewrite the table) only when it changes.
          if (trial.status !== "running" || worker !== trial.worker) folder.update(id, { status: "running", worker });
          const progress = job.progress as TrialJobProgress | number;
          board.set(id, `${label} ${typeof progress === "object" && progress ? progress.text : "starting"}${worker ? `  (${worker})` : ""}`);
        } else if (state === "completed" || state === "failed") {
          open.delete(id);
          const result = job.returnvalue;
          const trialDir = folder.trialDir(id);
          // A worker that could not see the sweep's folder sent the history back instead.
          if (state === "completed" && result?.history && !fs.existsSync(path.join(trialDir, "history.csv"))) {
            fs.mkdirSync(trialDir, { recursive: true });
            fs.writeFileSync(path.join(trialDir, "history.csv"), result.history);
          }
          const record =
            state === "completed"
              ? folder.update(id, { ...result.record, worker: job.processedBy })
              : folder.update(id, { status: "failed", error: job.failedReason, worker: job.processedBy });
          const finished = folder.table.trials.filter((t) => t.status === "done" || t.status === "failed").length;
          board.finish(
            id,
            record.status === "done"
              ? `${label} done: ${folder.plan.objective} ${formatValue(record.objective!)} (epoch ${record.bestEpoch ?? "-"}), ${record.seconds}s on ${record.worker}  [${finished}/${total}]`
              : `${label} FAILED: ${record.error?.split("\n").slice(-1)[0]}  [${finished}/${total}]`,
          );
        }
      }
      if (open.size > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await queue.close();
  }
}
