// The injection plan of one step method: which names it asks for, in parameter order.
// Built once per class (at model construction), never per batch.
import "reflect-metadata";
import {
  BUILTIN_INJECTABLE_NAMES,
  BuiltinInjectable,
  METADATA,
  STEP_INJECTABLES,
  StepKind,
} from "../metadata-keys";
import { ElegyBuildError, ElegyDefinitionError } from "../errors";
import { closestName } from "../suggest";

export interface InjectionPlan {
  readonly kind: StepKind;
  /** "LinearClassifier.test", for messages. */
  readonly where: string;
  readonly method: string;
  /** Parameter names in order; each is a built-in injectable or a user-provided one. */
  readonly params: readonly string[];
  /** The subset of params that are built-ins (registered per call). */
  readonly builtins: readonly BuiltinInjectable[];
}

export const HOW_TO_BUILD =
  "Build it with `npx elegy-ts build <file.ts>`, or add " +
  '{ "transform": "elegy-ts/transformer" } to compilerOptions.plugins in your tsconfig and compile with `tspc` (ts-patch).';

/** Reads the parameter names the transformer recorded and checks them against the step kind. */
export function planFor(prototype: object, className: string, kind: StepKind, method: string): InjectionPlan {
  const where = `${className}.${method}`;
  const recorded = Reflect.getMetadata(METADATA.paramNames, prototype, method) as unknown;
  if (!Array.isArray(recorded)) {
    throw new ElegyBuildError(
      `${where} is decorated with @${kind}, but its parameter names were not recorded: ` +
        `the file was compiled without the elegy-ts transformer. ${HOW_TO_BUILD}`,
    );
  }
  const allowed = STEP_INJECTABLES[kind];
  const builtins: BuiltinInjectable[] = [];
  for (const name of recorded as string[]) {
    if (!(BUILTIN_INJECTABLE_NAMES as readonly string[]).includes(name)) continue; // user injectable, checked per call
    if (!allowed.includes(name as BuiltinInjectable)) {
      throw new ElegyDefinitionError(
        `'${name}' is not available in @${kind} ${where}. @${kind} may request: ${allowed.join(", ")}.`,
      );
    }
    builtins.push(name as BuiltinInjectable);
  }
  return { kind, where, method, params: recorded as string[], builtins };
}

/** Message for a parameter name that is neither a built-in nor provided by the user. */
export function unknownInjectableMessage(plan: InjectionPlan, name: string, provided: readonly string[]): string {
  const candidates = [...STEP_INJECTABLES[plan.kind], ...provided];
  const suggestion = closestName(name, candidates);
  return (
    `${plan.where} (@${plan.kind}) asks for '${name}', but no such injectable exists.` +
    (suggestion ? ` Did you mean '${suggestion}'?` : "") +
    ` Injectables of @${plan.kind}: ${STEP_INJECTABLES[plan.kind].join(", ")}` +
    (provided.length ? `; provided by you: ${provided.join(", ")}` : "") +
    `. To add your own, call model.provide("${name}", value) and declare it in the Injectables interface.`
  );
}
