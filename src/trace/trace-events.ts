// ELEGY_TRACE=1 says, once per input key, whether a model's steps are replayed or run eagerly,
// and why not replayed (a read-back, the rng, values computed in JavaScript): what to change for speed.
import { stderr } from "#platform/output";
import type { TraceEvents } from "./traced-steps";

export function traceEvents(className: string): TraceEvents {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.ELEGY_TRACE !== "1") return {};
  return {
    eager: (purpose, batch, reason) => stderr().write(`elegy-ts: ${className}'s ${purpose} steps on ${batch} batches run eagerly: ${reason}.\n`),
    replaying: (purpose, batch, kernels) =>
      stderr().write(`elegy-ts: ${className}'s ${purpose} steps on ${batch} batches are replayed (${kernels} kernels a step).\n`),
    gaveUp: (purpose) =>
      stderr().write(
        `elegy-ts: ${className}'s ${purpose} steps run eagerly from now on: their inputs never repeated (a number in the States that changes every step?), so there was nothing to replay.\n`,
      ),
  };
}
