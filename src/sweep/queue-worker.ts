// `elegy-ts worker --queue redis://…`: takes trials from a sweep's BullMQ queue and runs each as
// its own `elegy-ts train` process (one compute thread). The trial's run goes to the sweep's
// folder when this machine sees it (a shared folder), else under --runs-dir; either way its
// record and history.csv go back with the job. A worker killed mid-trial takes its trial process
// with it (orphan-guard.ts), and its lock runs out: BullMQ's stalled-job check hands the trial to
// another worker, which runs it again from the start (--overwrite).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliError } from "../cli/cli-error";
import { displayPath } from "../display-path";
import { recordOf } from "./outcome";
import { runTrialProcess } from "./trial-process";
import { TrialJob, TrialJobResult, loadBullmq, parseQueueAddress } from "./queue";
import { valuesText } from "./progress";
import { RedisWait } from "./redis-wait";

/** How often a worker retries an unreachable Redis, and how long one attempt may take (ms). */
const RETRY_MS = 2000;
const CONNECT_TIMEOUT_MS = 10_000;

export interface WorkerOptions {
  queue: string;
  /** Trials at once (default 1). */
  concurrency: number;
  /** Where trials go when the sweep's own folder is not on this machine. */
  runsDir: string;
  /** How long a trial's lock lasts without renewal, and how often stalled trials are looked for (ms). */
  lockDuration: number;
  stalledInterval: number;
  log: (line: string) => void;
  /** Where the worker's errors go (stderr). */
  warn: (line: string) => void;
}

/** The trial's folder here: the sweep's own when its parent folder exists on this machine. */
function trialDirHere(job: TrialJob, runsDir: string): string {
  return fs.existsSync(path.dirname(job.outDir)) ? job.outDir : path.join(runsDir, job.sweep, job.trial);
}

/** Runs until stopped (SIGINT/SIGTERM, or `stop()`): resolves when the worker has closed. */
export async function runWorker(options: WorkerOptions): Promise<{ stop(): Promise<void>; closed: Promise<void> }> {
  const address = parseQueueAddress(options.queue);
  const { Worker } = loadBullmq();
  const name = `${os.hostname()}:${process.pid}`;
  const worker = new Worker<TrialJob, TrialJobResult>(
    address.name,
    async (job) => {
      const data = job.data;
      if (!fs.existsSync(data.file)) {
        throw new Error(`the model file ${data.file} is not on ${os.hostname()}; run workers where the sweep's files are at the same path (a shared folder or the same checkout).`);
      }
      const outDir = trialDirHere(data, options.runsDir);
      options.log(`${data.trial} [${valuesText(data.values)}] started → ${displayPath(outDir)}`);
      const outcome = await runTrialProcess({ file: data.file, model: data.model, objective: data.objective, flags: data.flags }, outDir, data.values, (text) => {
        job.updateProgress({ text }).catch(() => undefined);
      });
      const record = recordOf(outcome, outDir, data.objective, data.mode);
      options.log(`${data.trial} ${record.status === "done" ? "finished" : `failed: ${record.error?.split("\n").slice(-1)[0]}`}`);
      if (record.status !== "done") throw new Error(record.error);
      const historyFile = path.join(outDir, "history.csv");
      return { record, history: fs.existsSync(historyFile) ? fs.readFileSync(historyFile, "utf8") : "", outDir };
    },
    {
      // A fixed retry interval (BullMQ's own backs off to 20 s), so the waiting line can say it.
      connection: { ...address.connection, connectTimeout: CONNECT_TIMEOUT_MS, retryStrategy: () => RETRY_MS },
      name,
      concurrency: options.concurrency,
      lockDuration: options.lockDuration,
      stalledInterval: options.stalledInterval,
      // A trial may be handed on once after its worker died; a second death fails it.
      maxStalledCount: 1,
    },
  );
  const wait = new RedisWait("elegy-ts worker", address, RETRY_MS, CONNECT_TIMEOUT_MS, options.warn);
  worker.on("error", (error) => {
    if (!wait.error(error)) options.warn(`elegy-ts worker: ${error.message}`);
  });
  // Each of the worker's connections says when it is up again (after a wait, or a Redis restart).
  (worker.getBackend() as unknown as { on(event: "ready", listener: () => void): void }).on("ready", () => wait.ready());
  await worker.waitUntilReady().catch((error: Error) => {
    throw new CliError(`elegy-ts worker: cannot reach ${address.shown}: ${error.message}`);
  });
  wait.ready();
  options.log(`elegy-ts worker ${name} on ${address.shown}: waiting for trials (${options.concurrency} at a time; Ctrl-C stops)`);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const stop = async () => {
    await worker.close();
    resolveClosed();
  };
  return { stop, closed };
}
