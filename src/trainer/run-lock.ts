// One trainer run per out-dir at a time. A run takes `.<name>.lock` beside its out-dir (beside,
// not in it: --overwrite swaps the out-dir for another folder) before it looks at the folder, and
// removes it when it ends. The lock is created exclusively (O_EXCL) and names its process; a lock
// whose process is gone — killed, crashed — is taken over. A lock from another machine (a shared
// folder) cannot be checked that way, so its holder refreshes its time, and one left unrefreshed
// for a minute is taken over too.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliError } from "../cli/cli-error";
import { displayPath } from "../display-path";

interface LockRecord {
  pid: number;
  host: string;
}

const REFRESH_MS = 15_000;
const STALE_MS = 60_000;

export interface RunLock {
  readonly file: string;
  /** Removes the lock (only while it is still this run's). */
  release(): void;
}

/** The lock file of an out-dir. */
export function lockFileOf(outDir: string): string {
  return path.join(path.dirname(outDir), `.${path.basename(outDir)}.lock`);
}

function readLock(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function parseLock(text: string): LockRecord | undefined {
  try {
    const record = JSON.parse(text) as Partial<LockRecord>;
    return Number.isSafeInteger(record.pid) && typeof record.host === "string" ? (record as LockRecord) : undefined;
  } catch {
    return undefined;
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // it exists, under another user
  }
}

/** Whether a lock's holder may still be running. */
function held(record: LockRecord | undefined, file: string): boolean {
  if (record && record.host === os.hostname()) return processExists(record.pid);
  // Another machine's run, or a lock being written this instant: held while it is fresh.
  try {
    return Date.now() - fs.statSync(file).mtimeMs < STALE_MS;
  } catch {
    return false;
  }
}

function heldMessage(outDir: string, file: string, record: LockRecord | undefined): string {
  const holder = record ? `pid ${record.pid}${record.host === os.hostname() ? "" : ` on ${record.host}`}` : "a process it does not name";
  return (
    `--out-dir ${displayPath(outDir)} is in use by another run (${holder}), which holds its lock file ${displayPath(file)}. ` +
    "Wait for that run to end, or give another --out-dir. If no run is using the folder, remove the lock file."
  );
}

/**
 * Takes the out-dir's lock, or throws a CliError naming the lock file and its holder. `log` says
 * when a stale lock was taken over.
 */
export function takeRunLock(outDir: string, log: (line: string) => void): RunLock {
  const file = lockFileOf(outDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const text = `${JSON.stringify({ pid: process.pid, host: os.hostname() } satisfies LockRecord)}\n`;
  let stale: LockRecord | undefined | null = null;
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, text, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const seen = readLock(file);
    if (seen === undefined) continue; // released just now
    const record = parseLock(seen);
    if (held(record, file) || attempt >= 2) throw new CliError(heldMessage(outDir, file, record));
    // Stale: removed only if it is still the lock just read (another run may have taken it over).
    if (readLock(file) === seen) fs.rmSync(file, { force: true });
    stale = record;
  }
  if (stale !== null) log(`Took over ${displayPath(file)}: the run that held it (${stale ? `pid ${stale.pid}` : "unnamed"}) is gone.`);
  const refresh = setInterval(() => {
    const now = new Date();
    try {
      fs.utimesSync(file, now, now);
    } catch {
      // gone already: nothing to keep fresh
    }
  }, REFRESH_MS);
  refresh.unref();
  const release = (): void => {
    clearInterval(refresh);
    process.removeListener("exit", release);
    if (readLock(file) === text) fs.rmSync(file, { force: true });
  };
  // process.exit() skips `finally` blocks; a signal that kills the run leaves a stale lock.
  process.on("exit", release);
  return { file, release };
}
