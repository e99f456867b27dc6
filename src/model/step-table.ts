// The overrides of a model class and their injection plans, built once per class.
import { STEP_KINDS, StepKind } from "../metadata-keys";
import { stepTableOf } from "../decorators";
import { InjectionPlan, planFor } from "../injection/plan";

export type StepPlans = Partial<Record<StepKind, InjectionPlan>>;

const plansByClass = new WeakMap<object, StepPlans>();

/** Plans for every overridden step of the model's class (throws if it was built without the transformer). */
export function stepPlansOf(model: object): StepPlans {
  const prototype = Object.getPrototypeOf(model) as object;
  const cached = plansByClass.get(prototype);
  if (cached) return cached;
  const className = (model.constructor as { name: string }).name;
  const table = stepTableOf(prototype);
  const plans: StepPlans = {};
  for (const kind of STEP_KINDS) {
    const method = table[kind];
    if (method !== undefined) plans[kind] = planFor(prototype, className, kind, method);
  }
  plansByClass.set(prototype, plans);
  return plans;
}
