// fit: epochs of train steps over (optionally shuffled) host batches, with validation,
// callbacks in Keras' order, and a stopTraining flag checked after every batch.
import { CallbackList } from "../callbacks/callback-list";
import { CallbackModel, EpochLogs } from "../callbacks/callback";
import type { StepRunner } from "../model/step-runner";
import { HostDataset, hostBatches, numBatches, shuffledOrder } from "./batches";
import { runEvaluation } from "./evaluate-loop";
import { LogAccumulator } from "./log-accumulator";
import { yieldToEventLoop } from "./yield";

export interface FitPlan {
  readonly train: HostDataset;
  readonly validation?: HostDataset;
  readonly epochs: number;
  readonly initialEpoch: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly stepsPerEpoch?: number;
  readonly validationFreq: number;
}

export async function runFit(model: CallbackModel, runner: StepRunner, plan: FitPlan, callbacks: CallbackList): Promise<void> {
  const steps = Math.min(plan.stepsPerEpoch ?? Infinity, numBatches(plan.train.rows, plan.batchSize));
  callbacks.setParams({ epochs: plan.epochs, steps, batchSize: plan.batchSize, samples: plan.train.rows });
  model.stopTraining = false;
  await callbacks.call("onTrainBegin");
  let lastLogs: EpochLogs = {};
  for (let epoch = plan.initialEpoch; epoch < plan.epochs && !model.stopTraining; epoch++) {
    await callbacks.call("onEpochBegin", epoch);
    runner.resetMetrics();
    const acc = new LogAccumulator();
    try {
      // The shuffle order comes from states.rng, so a resumed run shuffles as the original did.
      const order = plan.shuffle ? shuffledOrder(plan.train.rows, runner.states.rng.next()) : undefined;
      let index = 0;
      for (const batch of hostBatches(plan.train, plan.batchSize, order)) {
        const info = { size: batch.size, readLogs: () => acc.read() };
        await callbacks.call("onTrainBatchBegin", index, info);
        runner.trainBatch(batch, (logs) => acc.add(logs, batch.size), true);
        await callbacks.call("onTrainBatchEnd", index, info);
        index++;
        if (index >= steps || model.stopTraining) break;
        await yieldToEventLoop();
      }
      lastLogs = await acc.read();
    } finally {
      acc.dispose();
    }
    if (plan.validation && (epoch + 1) % plan.validationFreq === 0) {
      const validation = await runEvaluation(runner, plan.validation, plan.batchSize, new CallbackList([]));
      for (const [name, value] of Object.entries(validation)) lastLogs[`val_${name}`] = value;
    }
    await callbacks.call("onEpochEnd", epoch, lastLogs);
  }
  await callbacks.call("onTrainEnd", lastLogs);
}
