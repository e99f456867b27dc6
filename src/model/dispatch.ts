// Step dispatch: a kind is served by the user's override (arguments injected by name) or by
// the default step of the chain trainStep → gradStep → testStep → predStep (docs/guide.md).
import { StepKind } from "../metadata-keys";
import { ElegyMissingStepError } from "../errors";
import { InjectionPlan } from "../injection/plan";
import { Injector } from "../injection/injector";
import { States } from "../states";
import type { Purpose, StepCall } from "./step-context";
import type { ModelParts, StepChain } from "./step-chain";
import {
  GradResult, PredResult, TestResult, TrainResult,
  checkGradResult, checkInitResult, checkPredResult, checkTestResult, checkTrainResult,
} from "./step-results";
import { noteStep } from "./step-error-context";
import { defaultGradStep, defaultInitStep, defaultPredStep, defaultTestStep, defaultTrainStep } from "./default-steps";

const CHECKS = {
  predStep: checkPredResult,
  testStep: checkTestResult,
  gradStep: checkGradResult,
  trainStep: checkTrainResult,
  initStep: checkInitResult,
} as const;

/** Holds no state of its own between calls: each call carries its inputs (StepCall). */
export class StepDispatcher implements StepChain {
  constructor(
    private readonly model: object,
    readonly className: string,
    private readonly plans: Partial<Record<StepKind, InjectionPlan>>,
    private readonly injector: Injector,
    readonly parts: ModelParts,
  ) {}

  overridden(kind: StepKind): boolean {
    return this.plans[kind] !== undefined;
  }

  where(kind: StepKind): string | undefined {
    return this.plans[kind]?.where;
  }

  /** Whether the model's own step of this kind asks for the injectable `name`. */
  asks(kind: StepKind, name: string): boolean {
    return this.plans[kind]?.params.includes(name) ?? false;
  }

  /** Whether a step of this kind can run: overridden, or derivable from the parts and lower steps. */
  can(kind: StepKind): boolean {
    if (this.overridden(kind)) return true;
    switch (kind) {
      case "predStep": return this.parts.module !== undefined;
      case "testStep": return this.parts.loss !== undefined && this.can("predStep");
      case "gradStep": return this.can("testStep");
      case "trainStep": return this.can("gradStep");
      case "initStep": return this.can("trainStep") || this.can("predStep");
    }
  }

  pred(call: StepCall): PredResult { return this.run("predStep", call) as PredResult; }
  test(call: StepCall): TestResult { return this.run("testStep", call) as TestResult; }
  grad(call: StepCall): GradResult {
    return this.gradThen(call, (result) => result);
  }
  gradThen<R>(call: StepCall, then: (result: GradResult) => R): R {
    // In a fit with replicas, the training gradient step is spread over them; `local` runs this thread's shard.
    if (call.replication && call.training && !call.initializing) return call.replication(call, this.localGrad, then);
    return then(this.run("gradStep", call) as GradResult);
  }
  train(call: StepCall): TrainResult { return this.run("trainStep", call) as TrainResult; }
  init(call: StepCall): States { return this.run("initStep", call) as States; }

  private readonly localGrad = (call: StepCall) => this.run("gradStep", call) as GradResult;

  private run(kind: StepKind, call: StepCall): unknown {
    try {
      return this.runStep(kind, call);
    } catch (error) {
      const plan = this.plans[kind];
      noteStep(error, plan ? `@${kind} ${plan.where}` : `${this.className}'s default @${kind}`);
      throw error;
    }
  }

  private runStep(kind: StepKind, call: StepCall): unknown {
    const plan = this.plans[kind];
    if (plan) {
      const method = (this.model as Record<string, (...args: unknown[]) => unknown>)[plan.method];
      const args = this.injector.resolve(plan, call);
      return CHECKS[kind](plan.where, method.apply(this.model, args));
    }
    if (!this.can(kind)) throw new ElegyMissingStepError(this.missingMessage(kind, call.purpose));
    switch (kind) {
      case "predStep": return defaultPredStep(this, call);
      case "testStep": return defaultTestStep(this, call);
      case "gradStep": return defaultGradStep(this, call);
      case "trainStep": return defaultTrainStep(this, call);
      case "initStep": return defaultInitStep(this, call);
    }
  }

  /** Why a step kind can't run for `purpose`, naming what would make it possible. */
  missingMessage(kind: StepKind, purpose: Purpose): string {
    const cannot = `${this.className} cannot ${purpose}:`;
    const { module, loss } = this.parts;
    switch (kind) {
      case "predStep":
        return `${cannot} it has no prediction step. Define a method decorated with @predStep, or pass a module: new Model({ module }).`;
      case "testStep":
      case "gradStep":
      case "trainStep":
      case "initStep": {
        const lacks = loss === undefined
          ? module === undefined && !this.overridden("predStep")
            ? "no loss and no prediction step"
            : "no loss"
          : "no prediction step";
        const fix = loss === undefined
          ? "Define a method decorated with @testStep (or @gradStep / @trainStep), or pass a loss: new Model({ module, loss })."
          : "Define a method decorated with @predStep, or pass a module: new Model({ module, loss }).";
        return `${cannot} it has no @${kind === "initStep" ? "testStep" : kind} and cannot derive one (${lacks}). ${fix}`;
      }
    }
  }

  missingOptimizerMessage(purpose: Purpose): string {
    return (
      `${this.className} cannot ${purpose}: it has no optimizer. ` +
      `Pass one, e.g. new ${this.className}({ optimizer: optimizers.adam(1e-3) }), or override @trainStep.`
    );
  }
}
