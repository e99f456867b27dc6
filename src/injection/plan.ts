// The injection plan of one step method: which names it asks for, in parameter order.
// Built once per class (at model construction), never per batch.
import "reflect-metadata";
import { BuiltinInjectable, METADATA, STEP_INJECTABLES, StepKind, UnnamedParameter, isBuiltinInjectable } from "../metadata-keys";
import { ElegyBuildError, ElegyDefinitionError, ElegyInjectionError } from "../errors";
import { closestInjectable, closestName } from "../suggest";
import { CODES, STEP_MESSAGES } from "../step-messages";

export interface InjectionPlan {
  readonly kind: StepKind;
  /** "LinearClassifier.test", for messages. */
  readonly where: string;
  readonly method: string;
  /** Parameter names in order; each is a built-in injectable or a user-provided one. */
  readonly params: readonly string[];
  /** The subset of params that are built-ins (registered per call). */
  readonly builtins: readonly BuiltinInjectable[];
  /** The subset of params that the user's Injectables interface declares (as the build recorded them). */
  readonly declared: readonly string[];
}

export const HOW_TO_BUILD =
  "Build it with `npx elegy-ts build <file.ts>`, or add " +
  '{ "transform": "elegy-ts/transformer" } to compilerOptions.plugins in your tsconfig and compile with `tspc` (ts-patch).';

/** The object on the prototype chain that holds `method` itself: the class whose code runs. */
function ownerOf(prototype: object, method: string): object {
  for (let p: object | null = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    if (Object.prototype.hasOwnProperty.call(p, method)) return p;
  }
  return prototype;
}

function nameOf(prototype: object): string {
  return (prototype as { constructor?: { name?: string } }).constructor?.name || "<anonymous>";
}

/**
 * Reads the parameter names the transformer recorded and checks them against the step kind.
 * The names are read from the class that defines the method that runs, never through the
 * prototype chain: a subclass's override of a base class's step has parameters of its own.
 */
export function planFor(prototype: object, className: string, kind: StepKind, method: string): InjectionPlan {
  const where = `${className}.${method}`;
  const owner = ownerOf(prototype, method);
  const recorded = Reflect.getOwnMetadata(METADATA.paramNames, owner, method) as unknown;
  if (!Array.isArray(recorded)) {
    const base = Object.getPrototypeOf(owner) as object | null;
    if (base && Array.isArray(Reflect.getMetadata(METADATA.paramNames, base, method))) {
      const overriding = `${nameOf(owner)}.${method}`;
      const baseClass = nameOf(ownerOf(base, method));
      throw new ElegyBuildError(
        `${overriding} overrides ${baseClass}.${method}, a @${kind}, but its parameter names were not recorded, so elegy-ts cannot tell ` +
          `what to pass it. Decorate ${overriding} with @${kind} as well, or compile it with the elegy-ts transformer in one program ` +
          `with ${baseClass}'s source. ${HOW_TO_BUILD}`,
      );
    }
    const unnamed = Reflect.getOwnMetadata(METADATA.unnamedParameter, owner, method) as UnnamedParameter | undefined;
    if (unnamed !== undefined) {
      // The build reported ELEGY1003 but emitted anyway (a source transformer's diagnostics do not stop emit).
      throw new ElegyDefinitionError(
        unnamed.rest !== undefined
          ? STEP_MESSAGES.restParameter(unnamed.rest, kind, where)
          : STEP_MESSAGES.destructuredParameter(unnamed.position, kind, where),
        { code: CODES.unnamedParameter },
      );
    }
    throw new ElegyBuildError(
      `${where} is decorated with @${kind}, but its parameter names were not recorded: ` +
        `the file was compiled without the elegy-ts transformer. ${HOW_TO_BUILD}`,
    );
  }
  const allowed = STEP_INJECTABLES[kind];
  const builtins: BuiltinInjectable[] = [];
  for (const name of recorded as string[]) {
    if (!isBuiltinInjectable(name)) continue; // user injectable, checked per call
    if (!allowed.includes(name)) {
      throw new ElegyDefinitionError(STEP_MESSAGES.notAvailableInStep(name, kind, where, []), { code: CODES.notAvailableInStep });
    }
    builtins.push(name);
  }
  const declared = Reflect.getOwnMetadata(METADATA.declaredInjectables, owner, method) as unknown;
  return { kind, where, method, params: recorded as string[], builtins, declared: Array.isArray(declared) ? (declared as string[]) : [] };
}

/**
 * The error for a parameter name that is neither a built-in nor provided. A name the user's
 * Injectables declare was not provided (perhaps under a misspelling, which is then named);
 * any other name is unknown (the runtime twin of ELEGY1001).
 */
export function missingInjectable(plan: InjectionPlan, name: string, provided: readonly string[]): ElegyInjectionError {
  if (plan.declared.includes(name)) {
    // The step's name is the declared one, so a close provided name is the misspelling: it is named, never suggested.
    const misspelt = closestName(name, provided.filter((p) => p !== name));
    return new ElegyInjectionError(
      misspelt !== undefined
        ? STEP_MESSAGES.providedMisspelt(name, plan.kind, plan.where, misspelt)
        : STEP_MESSAGES.notProvided(name, plan.kind, plan.where),
    );
  }
  const suggestion = closestInjectable(name, [...STEP_INJECTABLES[plan.kind], ...provided]);
  return new ElegyInjectionError(STEP_MESSAGES.unknownInjectable(name, plan.kind, plan.where, suggestion, provided), { code: CODES.unknownInjectable });
}
