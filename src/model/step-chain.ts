// What the default steps see of the dispatcher: the model's parts and the steps they call
// next. The dispatcher implements it; default-steps.ts depends on this, not on the dispatcher.
import type { LossAggregate, MetricAggregate, Module, Optimizer } from "../contracts";
import type { StepKind } from "../metadata-keys";
import type { States } from "../states";
import type { Purpose, StepCall } from "./step-context";
import type { GradResult, PredResult, TestResult, TrainResult } from "./step-results";

/** The parts given to the Model constructor, gathered. */
export interface ModelParts {
  readonly module?: Module;
  readonly loss?: LossAggregate;
  readonly metrics?: MetricAggregate;
  readonly optimizer?: Optimizer;
}

export interface StepChain {
  readonly className: string;
  readonly parts: ModelParts;
  /** Whether the model's class overrides this kind. */
  overridden(kind: StepKind): boolean;
  /** Whether a step of this kind can run: overridden, or derivable from the parts and lower steps. */
  can(kind: StepKind): boolean;
  pred(call: StepCall): PredResult;
  test(call: StepCall): TestResult;
  grad(call: StepCall): GradResult;
  train(call: StepCall): TrainResult;
  init(call: StepCall): States;
  missingOptimizerMessage(purpose: Purpose): string;
}
