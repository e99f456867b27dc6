// StepInfo → ELEGY diagnostics. Pure: no checker, no file system; everything it needs was
// read by the analysis (analyse/).
import ts from "typescript";
import { BUILTIN_INJECTABLES, STEP_INJECTABLES, STEP_SLOTS, STEP_TUPLES, StepKind, TupleKind, isBuiltinInjectable } from "../src/metadata-keys";
import { ItemsVerdict, judgeItems } from "../src/step-items";
import { STEP_MESSAGES } from "../src/step-messages";
import { closestInjectable } from "../src/suggest";
import type { Location, ReturnInfo, ReturnShape, StepInfo } from "./analyse/step-info";
import { CODES, ElegyCode, MESSAGES, RETURN_PROBLEMS } from "./codes";
import { ElegyDiagnostic, sortDiagnostics } from "./diagnostic";

/**
 * The diagnostics of a set of step decorator uses. Names declared in the user's `Injectables`
 * interface are accepted in every step; a built-in name is always judged by the step's table.
 * Sorted by file, then position.
 */
export function diagnoseSteps(steps: readonly StepInfo[], userInjectables: readonly string[] = []): ElegyDiagnostic[] {
  const out: ElegyDiagnostic[] = [];
  const report = (code: ElegyCode, message: string, location: Location) => out.push({ code, message, location });
  const own = userInjectables.filter((name) => !isBuiltinInjectable(name));
  /** First method of each class that overrides a step kind. */
  const firstOverride = new Map<ts.ClassLikeDeclaration, Map<string, StepInfo>>();

  for (const step of steps) {
    const where = `${step.class}.${step.method}`;
    if (step.memberKind === "static") {
      report(CODES.notAMethod, STEP_MESSAGES.staticMember(step.kind, where, staticWhat(step)), step.location);
      continue;
    }
    if (step.memberKind !== "method") {
      report(CODES.notAMethod, STEP_MESSAGES.notAMethod(step.kind, where, step.memberKind === "accessor" ? "an accessor" : "a property"), step.location);
      continue;
    }

    if (step.inheritedFrom === undefined) {
      const byKind = firstOverride.get(step.classNode) ?? new Map<string, StepInfo>();
      firstOverride.set(step.classNode, byKind);
      const first = byKind.get(step.kind);
      if (!first) byKind.set(step.kind, step);
      else if (first.member !== step.member) {
        report(CODES.duplicateStep, STEP_MESSAGES.duplicateStep(step.kind, step.class, first.method, step.method), step.location);
      }
    }

    if (step.returns) {
      const problem = returnProblem(step.kind, step.returns);
      if (problem !== undefined) report(CODES.wrongReturn, STEP_MESSAGES.wrongReturn(step.kind, where, problem), step.returns.location);
    }

    const allowed: readonly string[] = STEP_INJECTABLES[step.kind];
    for (const param of step.params) {
      if (param.name === undefined) {
        report(CODES.unnamedParameter, STEP_MESSAGES.destructuredParameter(param.index + 1, step.kind, where), param.location);
        continue;
      }
      if (param.rest) {
        report(CODES.unnamedParameter, STEP_MESSAGES.restParameter(param.name, step.kind, where), param.location);
        continue;
      }
      const name = param.name;
      if (isBuiltinInjectable(name)) {
        if (!allowed.includes(name)) {
          report(CODES.notAvailableInStep, STEP_MESSAGES.notAvailableInStep(name, step.kind, where, own), param.location);
        } else if (BUILTIN_INJECTABLES[name].kind === "boolean" ? !param.type.acceptsBoolean : param.type.primitiveOnly) {
          report(CODES.wrongType, MESSAGES.wrongType(name, step.kind, where, param.type.text), param.type.location);
        }
        continue;
      }
      if (own.includes(name)) {
        if (param.injectable && !param.injectable.fits) {
          report(CODES.injectableType, MESSAGES.injectableType(name, step.kind, where, param.type.text, param.injectable.declared), param.type.location);
        }
        continue;
      }
      const suggestion = closestInjectable(name, [...allowed, ...own]);
      report(CODES.unknownInjectable, STEP_MESSAGES.unknownInjectable(name, step.kind, where, suggestion, own), param.location);
    }
  }
  return sortDiagnostics(unique(out));
}

/** Once each: a member decorated twice with one step decorator would report everything twice. */
function unique(diagnostics: ElegyDiagnostic[]): ElegyDiagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.location.file.fileName}\0${d.location.start}\0${d.code}\0${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function staticWhat(step: StepInfo): "method" | "property" | "accessor" {
  if (ts.isMethodDeclaration(step.member)) return "method";
  return ts.isGetAccessorDeclaration(step.member) || ts.isSetAccessorDeclaration(step.member) ? "accessor" : "property";
}

/** The type of slot `index` of a tuple shape (a rest element stands for every slot from its position). */
function slotAt(shape: Extract<ReturnShape, { kind: "tuple" }>, index: number) {
  if (index < shape.slots.length - (shape.rest ? 1 : 0)) return shape.slots[index];
  return shape.rest ? shape.slots[shape.slots.length - 1] : undefined;
}

function arityFits(shape: Extract<ReturnShape, { kind: "tuple" }>, items: number): boolean {
  return shape.minLength <= items && (shape.rest || shape.slots.length >= items);
}

/** What is wrong with the items of a tuple of the right length, or undefined when each can be what its place needs. */
function itemsVerdict(kind: TupleKind, shape: Extract<ReturnShape, { kind: "tuple" }>): ItemsVerdict | undefined {
  return judgeItems(STEP_SLOTS[kind], (item, role) => slotAt(shape, item)!.fits[role]);
}

/** Whether one alternative of a return type can be what a step of this kind must return. */
function fits(kind: StepKind, shape: ReturnShape): boolean {
  if (shape.kind === "opaque") return true;
  if (shape.kind === "promise") return false;
  if (kind === "initStep") return shape.kind === "value" && shape.states !== "no";
  if (shape.kind === "array") return shape.item.fits.states !== "no";
  if (shape.kind !== "tuple") return false;
  return arityFits(shape, STEP_TUPLES[kind].items) && itemsVerdict(kind, shape) === undefined;
}

/**
 * What is wrong with a step's return type, or undefined when it can be right. Precise, not
 * noisy: any, unknown and unconstrained generics pass, and so does a union with one
 * alternative that fits. A Promise never does: steps run synchronously inside tf.tidy.
 * Each item of a tuple is judged by its place (loss, logs, States, …); items that would fit
 * in each other's places are reported as swapped, with the order to write.
 */
export function returnProblem(kind: StepKind, returns: ReturnInfo): string | undefined {
  if (returns.async || returns.shapes.some((shape) => shape.kind === "promise")) return RETURN_PROBLEMS.promise(returns.text);
  if (returns.shapes.some((shape) => fits(kind, shape))) return undefined;
  if (returns.shapes.length > 1) return RETURN_PROBLEMS.noAlternativeFits(returns.text);
  const [shape] = returns.shapes;
  if (kind === "initStep") return RETURN_PROBLEMS.notStatesValue(returns.text);
  const { items } = STEP_TUPLES[kind];
  switch (shape.kind) {
    case "array":
      return RETURN_PROBLEMS.arrayWithoutStates(returns.text);
    case "tuple":
      if (!arityFits(shape, items)) {
        if (shape.rest) return RETURN_PROBLEMS.arityAtLeast(returns.text, shape.minLength);
        if (shape.minLength !== shape.slots.length) return RETURN_PROBLEMS.arityBetween(returns.text, shape.minLength, shape.slots.length);
        return RETURN_PROBLEMS.arity(returns.text, shape.slots.length);
      }
      return RETURN_PROBLEMS.wrongItems(returns.text, STEP_MESSAGES.wrongItems(kind, itemsVerdict(kind, shape)!, (item) => slotAt(shape, item)!.text));
    default:
      return RETURN_PROBLEMS.notATuple(returns.text);
  }
}

