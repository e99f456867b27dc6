// Step dispatch: a kind is served by the user's override (arguments injected by name) or by
// the default step of the chain trainStep → gradStep → testStep → predStep (API.md §3).
import { StepKind } from "../metadata-keys";
import { ElegyMissingStepError } from "../errors";
import { InjectionPlan } from "../injection/plan";
import { Injector } from "../injection/injector";
import { States } from "../states";
import { StepContext } from "./step-context";
import type { ModelParts, StepChain } from "./step-chain";
import {
  GradResult, PredResult, TestResult, TrainResult,
  checkGradResult, checkInitResult, checkPredResult, checkTestResult, checkTrainResult,
} from "./step-results";
import { defaultGradStep, defaultInitStep, defaultPredStep, defaultTestStep, defaultTrainStep } from "./default-steps";

const CHECKS = {
  predStep: checkPredResult,
  testStep: checkTestResult,
  gradStep: checkGradResult,
  trainStep: checkTrainResult,
  initStep: checkInitResult,
} as const;

/** Serves the gradient step of training calls instead of `local` (data-parallel training, src/parallel). */
export type GradReplication = (ctx: StepContext, local: (ctx: StepContext) => GradResult) => GradResult;

export class StepDispatcher implements StepChain {
  /** What the model is doing, for messages ("predict", "fit", …). */
  phase = "run";
  /** Set while a fit with replicas runs. */
  gradReplication: GradReplication | undefined;

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

  pred(ctx: StepContext): PredResult { return this.run("predStep", ctx) as PredResult; }
  test(ctx: StepContext): TestResult { return this.run("testStep", ctx) as TestResult; }
  grad(ctx: StepContext): GradResult {
    if (this.gradReplication && ctx.training && !ctx.initializing) {
      return this.gradReplication(ctx, (c) => this.run("gradStep", c) as GradResult);
    }
    return this.run("gradStep", ctx) as GradResult;
  }
  train(ctx: StepContext): TrainResult { return this.run("trainStep", ctx) as TrainResult; }
  init(ctx: StepContext): States { return this.run("initStep", ctx) as States; }

  private run(kind: StepKind, ctx: StepContext): unknown {
    const plan = this.plans[kind];
    if (plan) {
      const method = (this.model as Record<string, (...args: unknown[]) => unknown>)[plan.method];
      const args = this.injector.resolve(plan, ctx);
      return CHECKS[kind](plan.where, method.apply(this.model, args));
    }
    if (!this.can(kind)) throw new ElegyMissingStepError(this.missingMessage(kind));
    switch (kind) {
      case "predStep": return defaultPredStep(this, ctx);
      case "testStep": return defaultTestStep(this, ctx);
      case "gradStep": return defaultGradStep(this, ctx);
      case "trainStep": return defaultTrainStep(this, ctx);
      case "initStep": return defaultInitStep(this, ctx);
    }
  }

  /** Why a step kind can't run, naming what would make it possible. */
  missingMessage(kind: StepKind): string {
    const cannot = `${this.className} cannot ${this.phase}:`;
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

  missingOptimizerMessage(): string {
    return (
      `${this.className} cannot ${this.phase}: it has no optimizer. ` +
      `Pass one, e.g. new ${this.className}({ optimizer: optimizers.adam(1e-3) }), or override @trainStep.`
    );
  }
}
