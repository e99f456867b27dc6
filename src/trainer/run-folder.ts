// The trainer's out-dir as one run: one run at a time (its lock), what marks a run there, the
// refusal to replace one without --resume or --overwrite, and --overwrite's atomic replacement.
// A replacing run is written aside (`.<name>.overwrite` beside the out-dir) and swapped in once
// it has its first checkpoint, so until then the old run stays whole: its history.csv and
// checkpoint agree.
import * as fs from "node:fs";
import * as path from "node:path";
import { CliError } from "../cli/cli-error";
import { displayPath } from "../display-path";
import { takeRunLock } from "./run-lock";

/** What a trainer leaves in its out-dir; any of them means the folder holds a run. */
export const RUN_ENTRIES = ["checkpoint", "history.csv", "report.html"] as const;

/** The run entries found in a folder, as messages show them (`checkpoint/`). */
export function runEntriesIn(dir: string): string[] {
  return RUN_ENTRIES.filter((name) => fs.existsSync(path.join(dir, name))).map((name) => (name === "checkpoint" ? "checkpoint/" : name));
}

/** Where a replacing run is written until its first checkpoint. */
export function stagingDirOf(outDir: string): string {
  return path.join(path.dirname(outDir), `.${path.basename(outDir)}.overwrite`);
}

/** Where the old run waits, for a moment, while the new one takes its name. */
function replacedDirOf(outDir: string): string {
  return path.join(path.dirname(outDir), `.${path.basename(outDir)}.replaced`);
}

export const OUT_DIR_HOLDS_RUN = (outDir: string, entries: readonly string[]): string =>
  `--out-dir ${displayPath(outDir)} already holds a run (${entries.join(", ")}). ` +
  `Give --resume to continue it, or --overwrite to replace it (the old run stays until the new one's first checkpoint), or choose another --out-dir.`;

/**
 * Cleans up after a trainer killed while replacing this out-dir: a swap cut between its two
 * renames is finished, and a replacing run that never reached its first checkpoint is removed
 * (the old run it was to replace is still whole). Returns what was done, for the log.
 */
export function recoverRunFolder(outDir: string): string | undefined {
  const staging = stagingDirOf(outDir);
  const replaced = replacedDirOf(outDir);
  if (fs.existsSync(replaced)) {
    if (!fs.existsSync(outDir)) fs.renameSync(fs.existsSync(staging) ? staging : replaced, outDir);
    fs.rmSync(replaced, { recursive: true, force: true });
    if (!fs.existsSync(staging)) return `Finished replacing the run in ${displayPath(outDir)} (an --overwrite was stopped while swapping it in).`;
  }
  if (fs.existsSync(staging)) {
    fs.rmSync(staging, { recursive: true, force: true });
    return `Removed ${displayPath(staging)}: an --overwrite run stopped before its first checkpoint; the run in ${displayPath(outDir)} is unchanged.`;
  }
  return undefined;
}

/** Where a run writes: the out-dir itself, or (replacing a run) a folder aside until swapIn. */
export interface RunFolder {
  outDir: string;
  /** The folder history.csv and checkpoint/ go to now. */
  dir(): string;
  /** True while a replacing run is still aside. */
  staged(): boolean;
  /** Puts the replacing run in the out-dir's place (the old run is deleted); a no-op when not staged. */
  swapIn(): void;
  /** Drops a replacing run that is still aside (stopped before its first checkpoint): the old run stays. */
  abandon(): void;
  /** Ends the run's hold on the out-dir (its lock file); call it when the run ends. */
  release(): void;
}

/** True when `dir` is the working folder or one of its ancestors (replacing it would pull the ground away). */
function holdsWorkingFolder(dir: string): boolean {
  const relative = path.relative(dir, process.cwd());
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/**
 * Takes the out-dir's lock (one run at a time: see run-lock.ts), checks the out-dir against
 * --resume/--overwrite and returns where the run writes. Refuses an out-dir holding a run unless
 * one of them is given. The caller releases the folder when the run ends.
 */
export function openRunFolder(outDir: string, mode: { resume: boolean; overwrite: boolean }, log: (line: string) => void): RunFolder {
  if (mode.resume && mode.overwrite) {
    throw new CliError(`--resume and --overwrite exclude each other: --resume continues the run in ${displayPath(outDir)}, --overwrite replaces it. Give one.`);
  }
  // Before anything is recovered or staged: another run's staging folder is not left over.
  const lock = takeRunLock(outDir, log);
  let staged = false;
  try {
    const note = recoverRunFolder(outDir);
    if (note) log(note);
    const entries = runEntriesIn(outDir);
    if (!mode.resume && entries.length > 0) {
      if (!mode.overwrite) throw new CliError(OUT_DIR_HOLDS_RUN(outDir, entries));
      if (holdsWorkingFolder(outDir)) {
        throw new CliError(`--overwrite replaces the whole folder ${outDir}, which holds the working folder. Give the run a folder of its own with --out-dir.`);
      }
      staged = true;
      fs.mkdirSync(stagingDirOf(outDir), { recursive: true });
    }
  } catch (error) {
    lock.release();
    throw error;
  }
  return {
    outDir,
    release: lock.release,
    dir: () => (staged ? stagingDirOf(outDir) : outDir),
    staged: () => staged,
    swapIn() {
      if (!staged) return;
      const replaced = replacedDirOf(outDir);
      // Two renames: a kill between them is finished by recoverRunFolder on the next start.
      if (fs.existsSync(outDir)) fs.renameSync(outDir, replaced);
      fs.renameSync(stagingDirOf(outDir), outDir);
      fs.rmSync(replaced, { recursive: true, force: true });
      staged = false;
    },
    abandon() {
      if (!staged) return;
      fs.rmSync(stagingDirOf(outDir), { recursive: true, force: true });
      staged = false;
    },
  };
}
