// What `elegy-ts sweep` does: the definition, its trials, the sweep folder (resumed when it holds
// the same sweep), the trials run here or through the queue, and the summary with the best trial.
import * as os from "node:os";
import * as path from "node:path";
import { CliError } from "../cli/cli-error";
import { CliIO } from "../cli/io";
import { displayPath } from "../display-path";
import { formatValue } from "../callbacks/progress-bar";
import { loadSweepDefinition } from "./definition";
import { methodOf, planTrials } from "./plan";
import { ProgressBoard } from "./progress";
import { ranked, readTable } from "./results";
import { objectiveMode } from "./spec";
import { SweepFolder } from "./sweep-folder";
import { checkQueueReachable, parseQueueAddress } from "./queue";
import { runLocalSweep, trialsAtOnce } from "./local";

export interface SweepArgs {
  file: string;
  model?: string;
  config?: string;
  trials?: number;
  workers?: number;
  outDir?: string;
  queue?: string;
  flags: string[];
}

function defaultOutDir(model: string): string {
  return path.resolve("runs", `${model}-sweep`);
}

/** `--best`: the best finished trial's folder of a sweep folder. */
export function bestTrialDir(args: Omit<SweepArgs, "flags">): string {
  const dir = args.outDir ? path.resolve(args.outDir) : defaultOutDir(args.model ?? loadSweepDefinition(args.file, args, () => undefined).model);
  const table = readTable(dir);
  if (!table) throw new CliError(`elegy-ts sweep --best: ${displayPath(dir)} holds no sweep (no trials.json). Run the sweep first, or give its --out-dir.`);
  const best = ranked(table)[0];
  if (best?.status !== "done") throw new CliError(`elegy-ts sweep --best: no trial in ${displayPath(dir)} has finished yet.`);
  return path.join(dir, best.id);
}

export async function runSweep(args: SweepArgs, io: CliIO): Promise<number> {
  const definition = loadSweepDefinition(args.file, args, io.err);
  const { spec } = definition;
  const trials = planTrials(spec, args.trials);
  const outDir = args.outDir ?? defaultOutDir(definition.model);
  // Before the folder is made: a Redis that is down or misnamed fails the sweep at once, leaving nothing behind.
  if (args.queue) await checkQueueReachable(parseQueueAddress(args.queue), "elegy-ts sweep");
  const folder = SweepFolder.open(outDir, {
    file: definition.file,
    model: definition.model,
    objective: spec.objective,
    mode: objectiveMode(spec.objective, spec.mode),
    method: methodOf(spec),
    flags: args.flags,
    trials,
  });
  const board = new ProgressBoard({ write: (text) => process.stdout.write(text), isTTY: process.stdout.isTTY });
  const pending = folder.pending().length;
  const command = { file: definition.file, model: definition.model, objective: spec.objective, flags: args.flags };
  if (args.queue) {
    const { runQueuedSweep } = require("./queue-sweep") as typeof import("./queue-sweep");
    board.note(`Sweep of ${definition.model}: ${trials.length} trials (${folder.plan.method}), ${folder.resumed ? `${folder.resumed} already done, ` : ""}${pending} on the queue ${args.queue} → ${displayPath(outDir)}`);
    await runQueuedSweep(folder, command, args.queue, board);
  } else {
    const workers = args.workers ?? os.availableParallelism();
    board.note(
      `Sweep of ${definition.model}: ${trials.length} trials (${folder.plan.method}), ${folder.resumed ? `${folder.resumed} already done, ` : ""}` +
        `${pending ? `${pending} to run, ${trialsAtOnce(workers, pending)} at a time` : "none to run"} → ${displayPath(outDir)}`,
    );
    await runLocalSweep(folder, command, workers, board);
  }
  const table = folder.table;
  const done = table.trials.filter((t) => t.status === "done").length;
  const failed = table.trials.filter((t) => t.status === "failed").length;
  const best = table.best ? table.trials.find((t) => t.id === table.best) : undefined;
  io.out(
    `${done} of ${table.trials.length} trials done${failed ? `, ${failed} failed (see trials.csv; run again to retry them)` : ""}. ` +
      (best ? `Best: ${best.id}, ${table.objective} ${formatValue(best.objective!)} — ${displayPath(folder.trialDir(best.id))}` : "No trial finished."),
  );
  io.out(`Wrote ${displayPath(path.join(outDir, "trials.csv"))}, ${displayPath(path.join(outDir, "trials.json"))}, ${displayPath(path.join(outDir, "report.html"))}`);
  return done > 0 ? 0 : 1;
}
