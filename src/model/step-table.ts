// The overrides of a model class: which method serves which step kind (written by the step
// decorators, read here), and their injection plans, built once per class.
import "reflect-metadata";
import { METADATA, STEP_KINDS, StepKind } from "../metadata-keys";
import { ElegyDefinitionError } from "../errors";
import { InjectionPlan, planFor } from "../injection/plan";

/** Step kind → the name of the method that overrides it. */
export type StepTable = Partial<Record<StepKind, string>>;

/** The step table of a class prototype: own registrations layered over inherited ones. */
export function stepTableOf(prototype: object): StepTable {
  return (Reflect.getMetadata(METADATA.steps, prototype) as StepTable | undefined) ?? {};
}

export type StepPlans = Partial<Record<StepKind, InjectionPlan>>;

const plansByClass = new WeakMap<object, StepPlans>();

/**
 * Plans for every overridden step of the model's class (throws if it was built without the
 * transformer). `reserved` are the Model's own method names, which a step must not shadow.
 */
export function stepPlansOf(model: object, reserved: ReadonlySet<string>): StepPlans {
  const prototype = Object.getPrototypeOf(model) as object;
  const cached = plansByClass.get(prototype);
  if (cached) return cached;
  const className = (model.constructor as { name: string }).name;
  const table = stepTableOf(prototype);
  const plans: StepPlans = {};
  for (const kind of STEP_KINDS) {
    const method = table[kind];
    if (method === undefined) continue;
    if (reserved.has(method)) {
      throw new ElegyDefinitionError(
        `${className}.${method} (@${kind}) shadows Model.${method}, which elegy-ts needs. Give the step method another name.`,
      );
    }
    plans[kind] = planFor(prototype, className, kind, method);
  }
  plansByClass.set(prototype, plans);
  return plans;
}
