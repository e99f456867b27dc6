// evaluate: the test step over every batch, logs aggregated over the whole dataset.
import { CallbackList } from "../callbacks/callback-list";
import { EpochLogs } from "../callbacks/callback";
import type { StepRunner } from "../model/step-runner";
import { HostDataset, hostBatches } from "./batches";
import { LogAccumulator } from "./log-accumulator";
import { yieldToEventLoop } from "./yield";

export async function runEvaluation(
  runner: StepRunner,
  data: HostDataset,
  batchSize: number,
  callbacks: CallbackList,
): Promise<EpochLogs> {
  await callbacks.call("onTestBegin");
  runner.resetMetrics();
  const acc = new LogAccumulator();
  try {
    const info = { size: 0, readLogs: () => acc.read() };
    let index = 0;
    for (const batch of hostBatches(data, batchSize)) {
      const batchInfo = { ...info, size: batch.size };
      await callbacks.call("onTestBatchBegin", index, batchInfo);
      runner.testBatch(batch, (logs) => acc.add(logs, batch.size), true);
      await callbacks.call("onTestBatchEnd", index, batchInfo);
      index++;
      await yieldToEventLoop();
    }
    const logs = await acc.read();
    await callbacks.call("onTestEnd", logs);
    return logs;
  } finally {
    acc.dispose();
  }
}
