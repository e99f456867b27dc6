// evaluate: the test step over every batch, logs aggregated over the whole dataset.
import { CallbackList } from "../callbacks/callback-list";
import { EpochLogs } from "../callbacks/callback";
import { ElegyInputError } from "../errors";
import type { StepRunner } from "../model/step-runner";
import type { CallInputs } from "../model/step-context";
import { epochBatches } from "./epoch-batches";
import { LogAccumulator } from "./log-accumulator";
import { collectChecks } from "../device-checks";
import { BatchSource } from "./sources";

/**
 * `purpose` names the batches in messages: "evaluate" or "validation". `inputs`: during fit's
 * validation, the fit's without its class weights (as in Keras, they weigh the training loss
 * only), so validation logs are what evaluate gives on the same data.
 */
export async function runEvaluation(
  runner: StepRunner,
  source: BatchSource,
  callbacks: CallbackList,
  inputs: CallInputs,
  purpose = "evaluate",
): Promise<EpochLogs> {
  await callbacks.call("onTestBegin");
  runner.traced.revalidate();
  runner.resetMetrics();
  const acc = new LogAccumulator();
  try {
    let index = 0;
    for await (const batch of epochBatches(runner, source, "evaluate", inputs)) {
      const info = { size: batch.size, readLogs: () => acc.read() };
      await callbacks.call("onTestBatchBegin", index, info);
      const { checks } = collectChecks(() => runner.testBatch(batch, inputs, (logs, takeable) => acc.add(logs, batch.size, takeable), true));
      acc.addChecks(checks, `${purpose} batch ${index}`);
      await callbacks.call("onTestBatchEnd", index, info);
      index++;
    }
    if (index === 0) throw new ElegyInputError("evaluate(): the data yielded no batches, so there is nothing to evaluate.");
    const logs = await acc.read();
    await callbacks.call("onTestEnd", logs);
    return logs;
  } finally {
    acc.dispose();
  }
}
