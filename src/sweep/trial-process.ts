// One trial as its own process: `elegy-ts train <file> --out-dir <trial folder> --model-options
// <its values> …`, an ordinary trainer run with one compute thread. Its stdout (--verbose 2)
// gives the progress line; its last line, the final logs; stderr, the error when it fails.
import { spawn } from "node:child_process";
import * as path from "node:path";
import { TrialValues } from "./plan";

/** What a trial needs besides its values: the model file and the trainer flags every trial shares. */
export interface TrialCommand {
  file: string;
  model: string;
  /** The log shown in progress lines beside the loss. */
  objective: string;
  /** Extra trainer flags, e.g. ["--epochs", "2", "--backend", "wasm"]. */
  flags: readonly string[];
}

export interface TrialOutcome {
  ok: boolean;
  logs?: Record<string, number>;
  error?: string;
  seconds: number;
}

const BIN = path.resolve(__dirname, "../../../bin/elegy-ts.js");
const GUARD = path.join(__dirname, "orphan-guard.js");

/** The `elegy-ts train` arguments of one trial. */
export function trialArgs(command: TrialCommand, outDir: string, values: TrialValues): string[] {
  const args = ["train", command.file, "--model", command.model, "--out-dir", outDir, "--overwrite", "--verbose", "2"];
  args.push("--model-options", JSON.stringify(values));
  // A swept seed is the run's seed too (states.rng), not only a constructor option.
  if (typeof values.seed === "number") args.push("--seed", String(values.seed));
  return [...args, ...command.flags];
}

/** Reads "Epoch 2/3" and the epoch's summary line into one short progress text. */
function progressReader(onProgress: (text: string) => void, objective: string): (line: string) => void {
  let epoch = "";
  // The loss and the objective are enough for a line per trial.
  const short = (logs: string) =>
    logs
      .split(" - ")
      .filter((part) => part.startsWith("loss: ") || part.startsWith(`${objective}: `))
      .join("  ");
  return (line) => {
    const header = /^Epoch (\d+\/\d+)$/.exec(line);
    if (header) {
      epoch = header[1];
      onProgress(`epoch ${epoch}`);
      return;
    }
    const logs = / - (\w+: .*)$/.exec(line);
    if (epoch && logs) onProgress(`epoch ${epoch}  ${short(logs[1])}`);
    else if (line.startsWith("Test: ")) onProgress(`test  ${short(line.slice(6))}`);
  };
}

/** Runs one trial to its end; never rejects — a crash or a kill is an outcome with its error. */
export function runTrialProcess(
  command: TrialCommand,
  outDir: string,
  values: TrialValues,
  onProgress: (text: string) => void = () => undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TrialOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--require", GUARD, BIN, ...trialArgs(command, outDir, values)], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // One compute thread per trial: the sweep's parallelism is its trials.
      env: { ...env, ELEGY_NATIVE_THREADS: "1", FORCE_COLOR: "0" },
    });
    let lastLine = "";
    let stderr = "";
    let pending = "";
    const read = progressReader(onProgress, command.objective);
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop()!;
      for (const line of lines.map((l) => l.replace(/\r/g, "").trim()).filter(Boolean)) {
        lastLine = line;
        read(line);
      }
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-8000)));
    child.on("error", (error) => resolve({ ok: false, error: `could not start the trial: ${error.message}`, seconds: 0 }));
    child.on("close", (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      if (pending.trim()) lastLine = pending.trim();
      // The error's own lines, not its stack: "    at …" frames say little in a table.
      const tail = stderr
        .trim()
        .split("\n")
        .filter((line) => !/^\s+at /.test(line))
        .slice(-6)
        .join("\n");
      if (signal) return resolve({ ok: false, error: `the trial process was killed by ${signal}${tail ? `: ${tail}` : ""}`, seconds });
      if (code !== 0) return resolve({ ok: false, error: tail || `the trial process exited with code ${code}`, seconds });
      try {
        resolve({ ok: true, logs: JSON.parse(lastLine) as Record<string, number>, seconds });
      } catch {
        resolve({ ok: false, error: `the trial ended without its final logs line (last line: ${lastLine || "none"})`, seconds });
      }
    });
  });
}
