// A callback that makes each training batch compute for longer than a turn of the event loop
// is due (TURN_EVERY_MS), so a fit gives the event loop a turn after every batch: tests of
// calls made while a fit runs need that interleaving.
import { callbacks } from "elegy-ts";
import { TURN_EVERY_MS } from "../../src/loop/yield";

export function slowBatches(): ReturnType<typeof callbacks.lambda> {
  return callbacks.lambda({
    onTrainBatchEnd: () => {
      const start = performance.now();
      while (performance.now() - start <= TURN_EVERY_MS);
    },
  });
}
