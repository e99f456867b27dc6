// Step decorators and @trainer. They only register which method overrides which step;
// the parameter names a step asks for are recorded by the build-time transformer
// (METADATA.paramNames), and checked at model construction (see model/step-table.ts).
import "reflect-metadata";
import { METADATA, StepKind } from "./metadata-keys";
import { ElegyDefinitionError } from "./errors";
import { STEP_MESSAGES } from "./step-messages";
import type { Model } from "./model/model";
import { StepTable, stepTableOf } from "./model/step-table";
import { checkTrainerOptions, type TrainerOptions } from "./trainer/options";
import type { SweepSpace, SweepTarget } from "./sweep/spec";

export type { TrainerData, TrainerOptions, TrainerRun, TrainerSplit } from "./trainer/options";

function className(target: object): string {
  return typeof target === "function" ? target.name : target.constructor?.name ?? "<anonymous>";
}

function makeStepDecorator(kind: StepKind) {
  return function stepDecorator(target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor): void {
    const where = `${className(target)}.${String(propertyKey)}`;
    const what = !descriptor ? "property" : descriptor.get || descriptor.set ? "accessor" : "method";
    if (typeof target === "function") {
      throw new ElegyDefinitionError(STEP_MESSAGES.staticMember(kind, where, what));
    }
    if (!descriptor || typeof descriptor.value !== "function") {
      throw new ElegyDefinitionError(STEP_MESSAGES.notAMethod(kind, where, what === "accessor" ? "an accessor" : "a property"));
    }
    if (typeof propertyKey !== "string") {
      throw new ElegyDefinitionError(`@${kind} needs a method with a string name, not the symbol ${String(propertyKey)}.`);
    }
    const own = Reflect.getOwnMetadata(METADATA.steps, target) as StepTable | undefined;
    const previous = own?.[kind];
    if (previous !== undefined && previous !== propertyKey) {
      throw new ElegyDefinitionError(STEP_MESSAGES.duplicateStep(kind, className(target), previous, propertyKey));
    }
    const table: StepTable = { ...stepTableOf(target), ...own, [kind]: propertyKey };
    Reflect.defineMetadata(METADATA.steps, table, target);
  };
}

/** Overrides the prediction step: `(x, states, initializing, training) → [yPred, States]`. */
export const predStep = makeStepDecorator("predStep");
/** Overrides the test step: `→ [loss: Scalar, logs: Logs, States]`. */
export const testStep = makeStepDecorator("testStep");
/** Overrides the gradient step: `→ [loss, logs, States, grads]`. */
export const gradStep = makeStepDecorator("gradStep");
/** Overrides the train step: `→ [logs, States]`. */
export const trainStep = makeStepDecorator("trainStep");
/** Overrides initialization: `(x, yTrue, sampleWeight, classWeight, states) → States`. */
export const initStep = makeStepDecorator("initStep");

/**
 * Marks a model class for trainer generation (API.md §7): `elegy-ts build` emits
 * `<file>.trainer.js` for it, and `elegy-ts train <file>` runs it. The options are checked
 * here too, so a plain-JS or untransformed build fails as early as `elegy-ts build` would.
 */
export function trainer<M extends Model = Model, const S extends SweepSpace = {}>(options: TrainerOptions<M> & { sweep?: S }) {
  // Any class is accepted here: ELEGY1010 (and the trainer at run time) reports one that is not a Model, in plainer words than a type error.
  // With a sweep, SweepTarget checks that the constructor's options take each swept name and its values.
  return function trainerDecorator<C extends abstract new (...args: any[]) => object>(constructor: C & SweepTarget<C, S>): C {
    checkTrainerOptions(constructor.name, options);
    Reflect.defineMetadata(METADATA.trainer, options, constructor);
    return constructor;
  };
}
