// `elegy-ts worker --queue redis://host:port/name [--concurrency N] [--runs-dir DIR]`: runs the
// trials of sweeps started with `elegy-ts sweep … --queue` on the same queue (see src/sweep/queue-worker.ts).
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CliError } from "./cli-error";
import { positiveIntegerFlag } from "./flag-values";
import { CliIO } from "./io";

export const WORKER_HELP = `Usage: elegy-ts worker --queue redis://host:port/name [--concurrency N] [--runs-dir DIR]

Takes trials from the queue of an elegy-ts sweep … --queue and runs each as an elegy-ts train process
(one compute thread each), until stopped with Ctrl-C. Start one on every machine that should help.
A trial's run goes to the sweep's folder when this machine sees it at the same path (a shared folder),
else under --runs-dir; its record and history go back through the queue either way.

Options:
  --queue URL              the sweep's queue, e.g. redis://10.0.0.5:6379/mlp-sweep
  --concurrency N          trials at once (default 1)
  --runs-dir DIR           where trials go when the sweep's folder is not here (default elegy-worker-runs)
  --lock-duration MS       a trial's lock without renewal; after it a dead worker's trial goes to another (default 30000)
  --stalled-interval MS    how often this worker looks for trials of dead workers (default 30000)
  -h, --help               show this help`;

const OPTIONS = {
  queue: { type: "string" },
  concurrency: { type: "string" },
  "runs-dir": { type: "string" },
  "lock-duration": { type: "string" },
  "stalled-interval": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const positive = (flag: string, value: string | undefined, fallback: number) => positiveIntegerFlag("worker", flag, value) ?? fallback;

export async function workerCommand(argv: readonly string[], io: CliIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new CliError(`elegy-ts worker: ${(error as Error).message}. Run 'elegy-ts worker --help' for usage.`);
  }
  if (values.help) {
    io.out(WORKER_HELP);
    return 0;
  }
  if (values.queue === undefined) throw new CliError("elegy-ts worker needs --queue redis://host:port/name: the queue an elegy-ts sweep … --queue puts its trials on.");
  const { runWorker } = require("../sweep/queue-worker") as typeof import("../sweep/queue-worker");
  const worker = await runWorker({
    queue: values.queue,
    concurrency: positive("concurrency", values.concurrency, 1),
    runsDir: path.resolve(values["runs-dir"] ?? "elegy-worker-runs"),
    lockDuration: positive("lock-duration", values["lock-duration"], 30_000),
    stalledInterval: positive("stalled-interval", values["stalled-interval"], 30_000),
    log: io.out,
    warn: io.err,
  });
  const stop = () => void worker.stop();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  await worker.closed;
  return 0;
}
