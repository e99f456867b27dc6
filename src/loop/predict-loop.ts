// predict: the prediction step over every batch, outputs concatenated leaf by leaf.
import { tf } from "../tf";
import { CallbackList } from "../callbacks/callback-list";
import { ElegyInputError } from "../errors";
import type { StepRunner } from "../model/step-runner";
import type { CallInputs } from "../model/step-context";
import { TensorTree, collectTensors, leaves, unflatten } from "../tree";
import { epochBatches } from "./epoch-batches";
import { BatchSource } from "./sources";

export async function runPrediction(runner: StepRunner, source: BatchSource, callbacks: CallbackList, inputs: CallInputs): Promise<TensorTree> {
  await callbacks.call("onPredictBegin");
  runner.traced.revalidate();
  const outputs: TensorTree[] = [];
  try {
    let index = 0;
    for await (const batch of epochBatches(runner, source, "predict", inputs)) {
      const info = { size: batch.size, readLogs: async () => ({}) };
      await callbacks.call("onPredictBatchBegin", index, info);
      outputs.push(runner.predBatch(batch, inputs, true));
      await callbacks.call("onPredictBatchEnd", index, info);
      index++;
    }
    if (index === 0) throw new ElegyInputError("predict(): the data yielded no batches, so there is nothing to predict.");
    const result = concatOutputs(outputs);
    await callbacks.call("onPredictEnd");
    return result;
  } finally {
    for (const t of collectTensors(outputs)) t.dispose();
  }
}

/** Concatenates per-batch outputs of the same structure along the first axis (fresh tensors). */
function concatOutputs(outputs: TensorTree[]): TensorTree {
  const perBatch = outputs.map(leaves);
  const joined = perBatch[0].map((_, i) => tf.concat(perBatch.map((ls) => ls[i]), 0));
  return unflatten(outputs[0], joined);
}
