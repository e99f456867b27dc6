// What a trainer run does once a signal stopped it (interrupt.ts): after a clean stop, save what
// --resume needs and the report, and say in one line where it stopped, what is on disk and the
// command that resumes it; on a second signal (or one outside the fit), quit at once and say
// that nothing more was saved. An --overwrite run stopped before its first checkpoint never
// replaces the run it was to replace.
import * as fs from "node:fs";
import * as path from "node:path";
import { allFinite } from "../callbacks/finite";
import { displayPath } from "../display-path";
import { hasCheckpoint } from "../io/checkpoint";
import type { States } from "../states";
import { Interrupt, RunPhase, STOP_EXIT_CODES, StopSignal, signalWords } from "./interrupt";
import { resumeCommand, restartCommand } from "./resume-command";
import { RunFolder } from "./run-folder";

const epochsText = (n: number): string => `${n} epoch${n === 1 ? "" : "s"}`;

/** The part of Model a stopped run needs. */
interface StoppedModel {
  readonly epoch: number;
  readonly states: States;
  save(dir: string): Promise<void>;
}

export interface StoppedRun {
  model: StoppedModel;
  interrupt: Interrupt;
  folder: RunFolder;
  /** The epochs the run was to reach (--epochs). */
  epochs: number;
  /** The trainer's flags as given, for the command that resumes the run. */
  argv: readonly string[];
  /** Writes report.html from history.csv, with these facts added. */
  writeReport(facts: Record<string, string>): void;
  err(line: string): void;
}

/** "in epoch 2 of 3, after batch 5 of 48" (an epoch cut short), or "after epoch 2 of 3". */
function stopPoint(interrupt: Interrupt, epochsDone: number, epochs: number): { cut: boolean; where: string } {
  const cut = interrupt.batchesDone > 0 && interrupt.epoch === epochsDone;
  if (cut) {
    const steps = interrupt.steps === undefined ? "" : ` of ${interrupt.steps}`;
    return { cut, where: `in epoch ${interrupt.epoch + 1} of ${epochs}, after batch ${interrupt.batchesDone}${steps}` };
  }
  return { cut, where: epochsDone > 0 ? `after epoch ${epochsDone} of ${epochs}` : "before its first batch" };
}

/** After a clean stop: saves the checkpoint of an epoch cut short and the report; returns the exit code. */
export async function finishStoppedRun(run: StoppedRun): Promise<number> {
  const { model, interrupt, folder } = run;
  const signal = interrupt.stoppedBy!;
  const epochsDone = model.epoch;
  const { cut, where } = stopPoint(interrupt, epochsDone, run.epochs);
  const head = `elegy-ts train: stopped by ${signalWords(signal)} ${where}`;
  if (folder.staged()) {
    folder.abandon();
    run.err(
      `${head}, before this --overwrite run's first checkpoint: nothing was saved, and the run in ${displayPath(folder.outDir)} is unchanged. ` +
        `Start it again with: ${restartCommand(run.argv)}`,
    );
    return STOP_EXIT_CODES[signal];
  }
  const dir = folder.dir();
  const checkpoint = path.join(dir, "checkpoint");
  const shownCheckpoint = `${displayPath(checkpoint)}/`;
  const notes: string[] = [];
  const saved: string[] = [];
  if (cut) {
    // As the epoch-end checkpoint does: weights that hold NaN or Infinity never replace a good checkpoint.
    const states = model.states;
    if (allFinite([states.netParams, states.netStates, states.optimizerStates])) {
      await model.save(checkpoint);
      saved.push(
        `${shownCheckpoint} (${epochsText(epochsDone)} done, and the weights after those ${interrupt.batchesDone} batches: ` +
          `--resume trains epoch ${epochsDone + 1} again in full)`,
      );
    } else {
      notes.push(
        `Did not save the weights after those batches: they hold NaN or Infinity` +
          (hasCheckpoint(checkpoint) ? ` (${shownCheckpoint} keeps the last good checkpoint).` : "."),
      );
    }
  } else if (hasCheckpoint(checkpoint)) {
    saved.push(`${shownCheckpoint} (${epochsText(epochsDone)} done)`);
  }
  const historyFile = path.join(dir, "history.csv");
  if (fs.existsSync(historyFile)) saved.push(displayPath(historyFile));
  run.writeReport({ stopped: `by ${signalWords(signal)} ${where}` });
  saved.push(displayPath(path.join(dir, "report.html")));
  const list = saved.length === 1 ? saved[0] : `${saved.slice(0, -1).join(", ")} and ${saved[saved.length - 1]}`;
  const next = hasCheckpoint(checkpoint)
    ? `Resume with: ${resumeCommand(run.argv)}`
    : `There is no checkpoint to resume from; start again with: ${restartCommand(run.argv)}`;
  run.err(`${head}. ${notes.map((note) => `${note} `).join("")}Saved ${list}. ${next}`);
  return STOP_EXIT_CODES[signal];
}

export interface QuitContext {
  folder: RunFolder;
  argv: readonly string[];
  err(line: string): void;
}

/** The line a run quitting at once prints: why, and what is (not) on disk. Removes an --overwrite run's staging folder. */
export function quitMessage(signal: StopSignal, phase: RunPhase, second: boolean, context: QuitContext): string {
  const words = signalWords(signal);
  const why = second
    ? `quit at once on a second ${words}: nothing more was saved.`
    : phase === "preparing"
      ? `stopped by ${words} before training began: nothing was saved.`
      : `stopped by ${words} after the last epoch: every epoch is saved, but the test evaluation and report.html were not written.`;
  const { folder } = context;
  const checkpoint = path.join(folder.outDir, "checkpoint");
  let state: string;
  if (folder.staged()) {
    folder.abandon();
    state = `The run in ${displayPath(folder.outDir)} is unchanged (this --overwrite run had no checkpoint yet).`;
  } else if (!hasCheckpoint(checkpoint)) {
    state = "There is no checkpoint to resume from.";
  } else if (phase === "finishing" && !second) {
    state = `The checkpoint is in ${displayPath(checkpoint)}/.`;
  } else {
    state = `Resume from the last checkpoint saved, ${displayPath(checkpoint)}/, with: ${resumeCommand(context.argv)}`;
  }
  return `elegy-ts train: ${why} ${state}`;
}

/** Quits the process at once with the signal's exit code (the run's lock file goes with it). */
export function quitAtOnce(signal: StopSignal, phase: RunPhase, second: boolean, context: QuitContext): void {
  context.err(quitMessage(signal, phase, second, context));
  process.exit(STOP_EXIT_CODES[signal]);
}
