// callbacks.lambda: a callback made of plain functions, one per hook (Keras' LambdaCallback).
import { checkOptionKeys } from "../options-check";
import { Callback } from "./callback";

/** The hooks a lambda callback may set: Keras' `on_epoch_end` is refused with a pointer to `onEpochEnd`. */
export const LAMBDA_HOOKS = [
  "onTrainBegin", "onTrainEnd", "onEpochBegin", "onEpochEnd", "onTrainBatchBegin", "onTrainBatchEnd",
  "onTestBegin", "onTestEnd", "onTestBatchBegin", "onTestBatchEnd",
  "onPredictBegin", "onPredictEnd", "onPredictBatchBegin", "onPredictBatchEnd",
] as const satisfies readonly (keyof Callback)[];

type Hooks = Partial<Pick<Callback, (typeof LAMBDA_HOOKS)[number]>>;

export class LambdaCallback extends Callback {
  constructor(hooks: Hooks) {
    // Any other key would be copied onto the callback (even over `model`) and never called.
    if (new.target === LambdaCallback) checkOptionKeys("new callbacks.LambdaCallback", hooks, LAMBDA_HOOKS);
    super();
    Object.assign(this, hooks);
  }
}

export function lambda(hooks: Hooks): LambdaCallback {
  checkOptionKeys("callbacks.lambda", hooks, LAMBDA_HOOKS);
  return new LambdaCallback(hooks);
}
