// Step decorators and @trainer. They only register which method overrides which step;
// the parameter names a step asks for are recorded by the build-time transformer
// (METADATA.paramNames), and checked at model construction (see model/step-table.ts).
import "reflect-metadata";
import { METADATA, StepKind } from "./metadata-keys";
import type { Model } from "./model/model";
import { isStandardContext, registerLegacy, registerStandard } from "./step-registry";
import { checkTrainerOptions, type TrainerOptions } from "./trainer/options";
import { checkTrainerClass, rememberTrainerClass } from "./trainer/trainer-class";
import type { SweepSpace, SweepTarget } from "./sweep/spec";

export type { TrainerData, TrainerOptions, TrainerRun, TrainerSplit } from "./trainer/options";

/**
 * A step decorator, in either decorator mode: legacy (`experimentalDecorators`: target, key,
 * descriptor) or standard (TypeScript 5's default: value, context). Both register the method
 * for its step kind (src/step-registry.ts) and refuse what is not an instance method.
 */
export interface StepDecorator {
  (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor): void;
  (value: unknown, context: ClassMemberDecoratorContext): void;
}

function makeStepDecorator(kind: StepKind): StepDecorator {
  return function stepDecorator(target: unknown, keyOrContext: unknown, descriptor?: PropertyDescriptor): void {
    if (isStandardContext(keyOrContext)) registerStandard(kind, keyOrContext);
    else registerLegacy(kind, target as object, keyOrContext as string | symbol, descriptor);
  } as StepDecorator;
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
 * Marks a model class for trainer generation: `elegy-ts build` emits
 * `<file>.trainer.js` for it, and `elegy-ts train <file>` runs it. The options are checked
 * here too, so a plain-JS or untransformed build fails as early as `elegy-ts build` would.
 */
export function trainer<M extends Model = Model, const S extends SweepSpace = {}>(options: TrainerOptions<M> & { sweep?: S }) {
  // Any class is accepted here: ELEGY1010 (and the trainer at run time) reports one that is not a Model, in plainer words than a type error.
  // With a sweep, SweepTarget checks that the constructor's options take each swept name and its values.
  // Legacy mode calls it with the class; standard mode with the class and a context (`kind: "class"`).
  return function trainerDecorator<C extends abstract new (...args: any[]) => object>(constructor: C & SweepTarget<C, S>, context?: ClassDecoratorContext): C {
    checkTrainerClass(constructor, context);
    checkTrainerOptions(constructor.name, options);
    Reflect.defineMetadata(METADATA.trainer, options, constructor);
    rememberTrainerClass(constructor);
    return constructor;
  };
}
