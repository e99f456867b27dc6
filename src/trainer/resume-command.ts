// The command that continues a stopped run, as the user typed the one that started it: the same
// program and flags, without --overwrite and --seed (--resume refuses --seed: it continues the
// checkpoint's random state), ending in --resume. Node-only, like the trainer.
import * as path from "node:path";
import { displayPath } from "../display-path";

/** One argument as a POSIX shell reads it back unchanged. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The trainer's flags without those a resumed run must not repeat. */
function keptFlags(flags: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i];
    if (flag === "--overwrite" || flag === "--resume" || flag.startsWith("--seed=")) continue;
    if (flag === "--seed") {
      i++;
      continue;
    }
    kept.push(flag);
  }
  return kept;
}

/**
 * How this process was started, up to the trainer's flags: `npx elegy-ts train <file>` (the
 * package's bin link), `node bin/elegy-ts.js train <file>`, or `node <name>.trainer.js`.
 */
function programWords(argv: readonly string[], cwd: string): string[] {
  const script = argv[1] ?? "";
  const viaCli = /^elegy-ts(\.js)?$/.test(path.basename(script)) && argv[2] === "train" && argv[3] !== undefined;
  const program = path.basename(script) === "elegy-ts" ? ["npx", "elegy-ts"] : ["node", displayPath(script, cwd)];
  return viaCli ? [...program, "train", argv[3]] : program;
}

/** The command line that resumes this run; `flags` are the trainer's, as given to runTrainer. */
export function resumeCommand(flags: readonly string[], argv: readonly string[] = process.argv, cwd = process.cwd()): string {
  return [...programWords(argv, cwd), ...keptFlags(flags), "--resume"].map(shellWord).join(" ");
}

/** The command line that started this run again (after a stop that saved nothing). */
export function restartCommand(flags: readonly string[], argv: readonly string[] = process.argv, cwd = process.cwd()): string {
  return [...programWords(argv, cwd), ...flags].map(shellWord).join(" ");
}
