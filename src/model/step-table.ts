// The overrides of a model class: which method serves which step kind (written by the step
// decorators, read here), and their injection plans, built once per class.
import "reflect-metadata";
import { STEP_KINDS, StepKind } from "../metadata-keys";
import { StepTable, registeredSteps } from "../step-registry";
import { ElegyDefinitionError } from "../errors";
import { InjectionPlan, planFor } from "../injection/plan";

export type { StepTable } from "../step-registry";

/** The step table of a class prototype: own registrations layered over inherited ones (either decorator mode). */
export function stepTableOf(prototype: object): StepTable {
  return registeredSteps(prototype);
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
