// ELEGY_TRACE=1 says, once per input key, whether a model's steps are replayed or run eagerly,
// and why not replayed (a read-back, the rng, values computed in JavaScript): what to change for speed.
import { stderr } from "#platform/output";
import type { StepName, TraceEvents } from "./traced-steps";

/** "Net's fit steps on [64,28,28] batches", and the part of a replicated step in brackets. */
function describeSteps(className: string, { purpose, batch, part }: StepName): string {
  return `${className}'s ${purpose} steps on ${batch} batches${part ? ` (${part})` : ""}`;
}

/** `off`: why none of the model's steps is replayed, when none is (runEagerly, steps of its own). */
export function traceEvents(className: string, off?: string): TraceEvents {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.ELEGY_TRACE !== "1") return {};
  return {
    eager: (name, reason) => stderr().write(`elegy-ts: ${describeSteps(className, name)} run eagerly: ${reason}.\n`),
    replaying: (name, kernels) => stderr().write(`elegy-ts: ${describeSteps(className, name)} are replayed (${kernels} kernels a step).\n`),
    off: () => off !== undefined && stderr().write(`elegy-ts: ${className}'s steps all run eagerly: ${off}.\n`),
    gaveUp: ({ purpose, part }) =>
      stderr().write(
        `elegy-ts: ${className}'s ${purpose} steps${part ? ` (${part})` : ""} run eagerly from now on: their inputs never repeated ` +
          "(a number that changes every step: in the States, or a value given with provide()?), so there was nothing to replay.\n",
      ),
  };
}
