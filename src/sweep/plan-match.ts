// Whether a sweep folder's recorded plan (sweep.json) can be continued by a new one. The same
// definition always plans the same trials in the same order, and more trials only add to the end
// (a grid cut later, or more draws of the same seeded search), so a plan that starts with every
// recorded trial continues the sweep. Anything else is another sweep, told apart in words.
import { PlannedTrial, SweepPlan } from "./plan";
import { valuesText } from "./progress";

export type PlanMatch =
  /** The new plan holds every recorded trial, first and in order (and perhaps more after them). */
  | { kind: "continues" }
  /** The same sweep, asked for fewer trials than the folder holds: these would fall out of its table. */
  | { kind: "fewer"; dropped: PlannedTrial[] }
  /** Another sweep: what differs, one phrase each. */
  | { kind: "other"; differences: string[] };

const flagsText = (flags: readonly string[]) => (flags.length ? flags.join(" ") : "none");

export function matchPlans(before: SweepPlan, now: SweepPlan): PlanMatch {
  const differences: string[] = [];
  if (before.model !== now.model) differences.push(`its model is ${before.model}, not ${now.model}`);
  if (before.objective !== now.objective || before.mode !== now.mode) {
    differences.push(`its objective is ${before.objective} (${before.mode}), not ${now.objective} (${now.mode})`);
  }
  if (before.method !== now.method) differences.push(`its method is ${before.method}, not ${now.method}`);
  if (JSON.stringify(before.flags) !== JSON.stringify(now.flags)) differences.push(`its trainer flags are ${flagsText(before.flags)}, not ${flagsText(now.flags)}`);
  const shared = Math.min(before.trials.length, now.trials.length);
  for (let i = 0; i < shared; i++) {
    const [was, is] = [before.trials[i], now.trials[i]];
    if (JSON.stringify(was.values) !== JSON.stringify(is.values)) {
      differences.push(`its ${was.id} is ${valuesText(was.values)}, not ${valuesText(is.values)}`);
      break;
    }
    if (was.id !== is.id) {
      // Ids widen past 999 trials (trial-0999): the folders would no longer match their trials.
      differences.push(`its trials are named ${was.id} …, not ${is.id} …`);
      break;
    }
  }
  if (differences.length) return { kind: "other", differences };
  if (now.trials.length < before.trials.length) return { kind: "fewer", dropped: before.trials.slice(now.trials.length) };
  return { kind: "continues" };
}
