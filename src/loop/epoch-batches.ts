// Iterates one epoch of a BatchSource: initializes the model on the very first batch when
// it is not yet initialized, stops after `limit` batches, and gives the event loop a turn
// between batches once they have computed for a while (yield.ts).
import type { StepRunner } from "../model/step-runner";
import type { CallInputs, Purpose } from "../model/step-context";
import { disposeExcept } from "../tree";
import { Batch } from "./batches";
import { BatchSource } from "./sources";
import { EventLoopTurns } from "./yield";

export async function* epochBatches(
  runner: StepRunner,
  source: BatchSource,
  purpose: Purpose,
  inputs: CallInputs,
  limit = Infinity,
): AsyncGenerator<Batch> {
  const iterator = source.epoch(() => runner.states.rng.next());
  const turns = new EventLoopTurns();
  // Stopping early (stepsPerEpoch, stopTraining) leaves the iterator open on purpose: a
  // dataset that does not start over continues from there in the next epoch.
  for (let count = 0; count < limit; count++) {
    const item = await iterator.next();
    if (item.done) return;
    if (!runner.initialized) {
      try {
        runner.initOnBatch(item.value, purpose, inputs, false);
      } catch (error) {
        disposeExcept(item.value, runner.states.tensors());
        throw error;
      }
    }
    yield item.value;
    const turn = turns.due();
    if (turn !== undefined) await turn;
  }
}
