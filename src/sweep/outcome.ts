// A finished trial process → its record: the objective from the trial's own history.csv, or the
// failure with its error (a crash, a kill, an objective the trial does not log).
import * as path from "node:path";
import { TrialRecord, objectiveOf } from "./results";
import { TrialOutcome } from "./trial-process";

export function recordOf(outcome: TrialOutcome, trialDir: string, objective: string, mode: "min" | "max"): Partial<TrialRecord> {
  const seconds = Number(outcome.seconds.toFixed(2));
  if (!outcome.ok) return { status: "failed", error: outcome.error, seconds };
  try {
    return { status: "done", ...objectiveOf(path.join(trialDir, "history.csv"), outcome.logs ?? {}, objective, mode), logs: outcome.logs, seconds };
  } catch (error) {
    return { status: "failed", error: (error as Error).message, logs: outcome.logs, seconds };
  }
}
