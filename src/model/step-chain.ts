// What the default steps see of the dispatcher: the model's parts and the steps they call
// next. The dispatcher implements it; default-steps.ts depends on this, not on the dispatcher.
import type { LossAggregate, MetricAggregate, Module, Optimizer } from "../contracts";
import type { States } from "../states";
import type { Purpose, StepCall } from "./step-context";
import type { GradResult, PredResult, TestResult, TrainResult } from "./step-results";
import type { InitChainView } from "./init-chain";

/** The parts given to the Model constructor, gathered. */
export interface ModelParts {
  readonly module?: Module;
  readonly loss?: LossAggregate;
  readonly metrics?: MetricAggregate;
  readonly optimizer?: Optimizer;
}

export interface StepChain extends InitChainView {
  readonly parts: ModelParts;
  pred(call: StepCall): PredResult;
  test(call: StepCall): TestResult;
  grad(call: StepCall): GradResult;
  /** `then` of the gradient step: what the train step does with it (with replicas, run where the shards combine). */
  gradThen<R>(call: StepCall, then: (result: GradResult) => R): R;
  train(call: StepCall): TrainResult;
  init(call: StepCall): States;
  missingOptimizerMessage(purpose: Purpose): string;
}
