// fit: epochs of train steps, with validation, callbacks in Keras' order, and a
// stopTraining flag checked after every batch. An abort (plan.signal: Ctrl-C in the trainer) is
// checked there too but, unlike stopTraining, leaves the epoch it cut uncounted: no validation,
// no onEpochEnd, completedEpochs unchanged, so a checkpoint saved then resumes at that epoch.
import { CallbackList } from "../callbacks/callback-list";
import { CallbackModel, EpochLogs } from "../callbacks/callback";
import { ElegyInputError } from "../errors";
import type { StepRunner } from "../model/step-runner";
import type { CallInputs } from "../model/step-context";
import { epochBatches } from "./epoch-batches";
import { runEvaluation } from "./evaluate-loop";
import { LogAccumulator } from "./log-accumulator";
import { collectChecks } from "../device-checks";
import { BatchSource } from "./sources";
import { stderr } from "#platform/output";

export interface FitPlan {
  readonly train: BatchSource;
  readonly validation?: BatchSource;
  readonly epochs: number;
  readonly initialEpoch: number;
  readonly batchSize: number;
  readonly stepsPerEpoch?: number;
  readonly validationFreq: number;
  /** The fit's class weights and replication, given to its training steps (validation gets no class weights). */
  readonly inputs: CallInputs;
  /** The checkpoint fit({ resume }) continued from, for the message when it has nothing left to train. */
  readonly resumedFrom?: string;
  /** Once aborted, the fit stops after the current batch and does not count the epoch it cut short. */
  readonly signal?: AbortSignal;
}

export async function runFit(model: CallbackModel, runner: StepRunner, plan: FitPlan, callbacks: CallbackList): Promise<void> {
  const steps = plan.stepsPerEpoch ?? plan.train.batchesPerEpoch;
  callbacks.setParams({ epochs: plan.epochs, steps, batchSize: plan.batchSize, samples: plan.train.examples });
  model.stopTraining = false;
  if (plan.resumedFrom !== undefined && plan.initialEpoch >= plan.epochs) {
    stderr().write(
      `elegy-ts: nothing to train: the checkpoint at ${plan.resumedFrom} has already completed ${plan.initialEpoch} of ${plan.epochs} epochs. ` +
        "Pass a larger epochs to train on.\n",
    );
  }
  await callbacks.call("onTrainBegin");
  let lastLogs: EpochLogs = {};
  const aborted = (): boolean => plan.signal?.aborted === true;
  for (let epoch = plan.initialEpoch; epoch < plan.epochs && !model.stopTraining && !aborted(); epoch++) {
    await callbacks.call("onEpochBegin", epoch);
    // Callbacks and the code between fits may have changed what a replayed step reads (src/trace).
    runner.traced.revalidate();
    runner.resetMetrics();
    const acc = new LogAccumulator();
    let index = 0;
    let cut = false;
    try {
      // A shuffled source draws its order from states.rng, so a resumed run shuffles as the original did.
      for await (const batch of epochBatches(runner, plan.train, "fit", plan.inputs, steps)) {
        const info = { size: batch.size, readLogs: () => acc.read() };
        await callbacks.call("onTrainBatchBegin", index, info);
        const { checks } = collectChecks(() => runner.trainBatch(batch, plan.inputs, (logs, takeable) => acc.add(logs, batch.size, takeable), true));
        acc.addChecks(checks, `fit batch ${index}`);
        await callbacks.call("onTrainBatchEnd", index, info);
        index++;
        if (aborted()) {
          cut = steps === undefined || index < steps;
          break;
        }
        if (model.stopTraining) break;
      }
      if (cut) break;
      lastLogs = await acc.read();
    } finally {
      acc.dispose();
    }
    if (index === 0) {
      if (epoch === plan.initialEpoch) throw new ElegyInputError("fit(): the data yielded no batches, so there is nothing to train on.");
      // As Keras: an iterator that ran dry ends training (pass stepsPerEpoch or a dataset that starts over).
      stderr().write(
        `elegy-ts: the training data ran out after ${epoch - plan.initialEpoch} epoch(s); stopping. ` +
          "Give stepsPerEpoch, or data that starts over each epoch (a tf.data.Dataset or a re-iterable object).\n",
      );
      break;
    }
    if (plan.validation && (epoch + 1) % plan.validationFreq === 0) {
      // As Keras: class weights weigh the training loss only; validation is evaluated unweighted
      // (its sample weights come from the validation data alone).
      const validation = await runEvaluation(runner, plan.validation, callbacks, { ...plan.inputs, classWeight: undefined }, "validation");
      for (const [name, value] of Object.entries(validation)) lastLogs[`val_${name}`] = value;
    }
    runner.completedEpochs = epoch + 1;
    await callbacks.call("onEpochEnd", epoch, lastLogs);
  }
  await callbacks.call("onTrainEnd", lastLogs);
}
