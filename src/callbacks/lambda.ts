// callbacks.lambda: a callback made of plain functions, one per hook (Keras' LambdaCallback).
import { Callback } from "./callback";

type Hooks = Pick<
  Callback,
  | "onTrainBegin" | "onTrainEnd" | "onEpochBegin" | "onEpochEnd" | "onTrainBatchBegin" | "onTrainBatchEnd"
  | "onTestBegin" | "onTestEnd" | "onTestBatchBegin" | "onTestBatchEnd"
  | "onPredictBegin" | "onPredictEnd" | "onPredictBatchBegin" | "onPredictBatchEnd"
>;

export class LambdaCallback extends Callback {
  constructor(hooks: Hooks) {
    super();
    Object.assign(this, hooks);
  }
}

export function lambda(hooks: Hooks): LambdaCallback {
  return new LambdaCallback(hooks);
}
