// StepInfo → ELEGY diagnostics. Pure: no checker, no file system; everything it needs was
// read by analyse.ts. Also formats diagnostics the way tsc prints its own.
import ts from "typescript";
import { BUILTIN_INJECTABLE_NAMES, BuiltinInjectable, STEP_INJECTABLES, STEP_TUPLES, StepKind } from "../src/metadata-keys";
import { Location, ReturnInfo, ReturnShape, StepInfo } from "./analyse";
import { CODES, ElegyCode, MESSAGES, RETURN_PROBLEMS, TS_CODE_OFFSET, codeName } from "./codes";
import { closestName } from "./suggest";
import { displayPath } from "../src/display-path";

export interface ElegyDiagnostic {
  code: ElegyCode;
  message: string;
  location: Location;
}

const BOOLEAN_INJECTABLES: ReadonlySet<BuiltinInjectable> = new Set(["initializing", "training"]);

function isBuiltin(name: string): name is BuiltinInjectable {
  return (BUILTIN_INJECTABLE_NAMES as readonly string[]).includes(name);
}

/**
 * The diagnostics of a set of step decorator uses. Names declared in the user's `Injectables`
 * interface are accepted in every step; a built-in name is always judged by the step's table.
 * Sorted by file, then position.
 */
export function diagnoseSteps(steps: readonly StepInfo[], userInjectables: readonly string[] = []): ElegyDiagnostic[] {
  const out: ElegyDiagnostic[] = [];
  const report = (code: ElegyCode, message: string, location: Location) => out.push({ code, message, location });
  const own = userInjectables.filter((name) => !isBuiltin(name));
  /** First method of each class that overrides a step kind. */
  const firstOverride = new Map<ts.ClassLikeDeclaration, Map<string, StepInfo>>();

  for (const step of steps) {
    const where = `${step.class}.${step.method}`;
    if (step.memberKind === "static") {
      report(CODES.notAMethod, MESSAGES.staticMember(step.kind, where, staticWhat(step)), step.location);
      continue;
    }
    if (step.memberKind !== "method") {
      report(CODES.notAMethod, MESSAGES.notAMethod(step.kind, where, step.memberKind === "accessor" ? "an accessor" : "a property"), step.location);
      continue;
    }

    if (step.inheritedFrom === undefined) {
      const byKind = firstOverride.get(step.classNode) ?? new Map<string, StepInfo>();
      firstOverride.set(step.classNode, byKind);
      const first = byKind.get(step.kind);
      if (!first) byKind.set(step.kind, step);
      else if (first.member !== step.member) {
        report(CODES.duplicateStep, MESSAGES.duplicateStep(step.kind, step.class, first.method, step.method), step.location);
      }
    }

    if (step.returns) {
      const problem = returnProblem(step.kind, step.returns);
      if (problem !== undefined) report(CODES.wrongReturn, MESSAGES.wrongReturn(step.kind, where, problem), step.returns.location);
    }

    const allowed: readonly string[] = STEP_INJECTABLES[step.kind];
    for (const param of step.params) {
      if (param.name === undefined) {
        report(CODES.unnamedParameter, MESSAGES.destructuredParameter(param.index + 1, step.kind, where), param.location);
        continue;
      }
      if (param.rest) {
        report(CODES.unnamedParameter, MESSAGES.restParameter(param.name, step.kind, where), param.location);
        continue;
      }
      const name = param.name;
      if (isBuiltin(name)) {
        if (!allowed.includes(name)) {
          report(CODES.notAvailableInStep, MESSAGES.notAvailableInStep(name, step.kind, where, own), param.location);
        } else if (BOOLEAN_INJECTABLES.has(name) ? !param.type.acceptsBoolean : param.type.primitiveOnly) {
          report(CODES.wrongType, MESSAGES.wrongType(name, step.kind, where, param.type.text), param.type.location);
        }
        continue;
      }
      if (own.includes(name)) continue;
      const suggestion = closestName(name, [...allowed, ...own]);
      report(CODES.unknownInjectable, MESSAGES.unknownInjectable(name, step.kind, where, suggestion, own), param.location);
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

/** Whether one alternative of a return type can be what a step of this kind must return. */
function fits(kind: StepKind, shape: ReturnShape): boolean {
  if (shape.kind === "opaque") return true;
  if (shape.kind === "promise") return false;
  if (kind === "initStep") return shape.kind === "value" && shape.states !== "no";
  const { items, states } = STEP_TUPLES[kind];
  if (shape.kind === "array") return shape.item.states !== "no";
  if (shape.kind !== "tuple") return false;
  return arityFits(shape, items) && slotAt(shape, states)?.states !== "no";
}

/**
 * What is wrong with a step's return type, or undefined when it can be right. Precise, not
 * noisy: any, unknown and unconstrained generics pass, and so does a union with one
 * alternative that fits. A Promise never does: steps run synchronously inside tf.tidy.
 */
export function returnProblem(kind: StepKind, returns: ReturnInfo): string | undefined {
  if (returns.async || returns.shapes.some((shape) => shape.kind === "promise")) return RETURN_PROBLEMS.promise(returns.text);
  if (returns.shapes.some((shape) => fits(kind, shape))) return undefined;
  if (returns.shapes.length > 1) return RETURN_PROBLEMS.noAlternativeFits(returns.text);
  const [shape] = returns.shapes;
  if (kind === "initStep") return RETURN_PROBLEMS.notStatesValue(returns.text);
  const { items, states } = STEP_TUPLES[kind];
  switch (shape.kind) {
    case "array":
      return RETURN_PROBLEMS.arrayWithoutStates(returns.text);
    case "tuple":
      if (!arityFits(shape, items)) {
        if (shape.rest) return RETURN_PROBLEMS.arityAtLeast(returns.text, shape.minLength);
        if (shape.minLength !== shape.slots.length) return RETURN_PROBLEMS.arityBetween(returns.text, shape.minLength, shape.slots.length);
        return RETURN_PROBLEMS.arity(returns.text, shape.slots.length);
      }
      return RETURN_PROBLEMS.notStates(returns.text, states + 1, slotAt(shape, states)!.text);
    default:
      return RETURN_PROBLEMS.notATuple(returns.text);
  }
}

export function sortDiagnostics(diagnostics: ElegyDiagnostic[]): ElegyDiagnostic[] {
  return diagnostics.sort(
    (a, b) =>
      compareStrings(a.location.file.fileName, b.location.file.fileName) ||
      a.location.start - b.location.start ||
      a.code - b.code,
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** As a TypeScript diagnostic, for tsc/tspc to print: `error TS991001: ELEGY1001: …`. */
export function toTsDiagnostic(d: ElegyDiagnostic): ts.Diagnostic {
  return {
    category: ts.DiagnosticCategory.Error,
    code: TS_CODE_OFFSET + d.code,
    file: d.location.file,
    start: d.location.start,
    length: d.location.length,
    messageText: `${codeName(d.code)}: ${d.message}`,
    source: "elegy-ts",
  };
}

export { displayPath };

/** `file(line,col)` (1-based, as tsc prints it). */
export function position(file: ts.SourceFile, start: number, cwd: string): string {
  const { line, character } = file.getLineAndCharacterOfPosition(start);
  return `${displayPath(file.fileName, cwd)}(${line + 1},${character + 1})`;
}

/** `file(line,col): error ELEGY1001: message`. */
export function formatElegyDiagnostic(d: ElegyDiagnostic, cwd: string): string {
  return `${position(d.location.file, d.location.start, cwd)}: error ${codeName(d.code)}: ${d.message}`;
}

/** `file(line,col): error TS2322: message`, or `error TS6053: message` when it has no file. */
export function formatTsDiagnostic(d: ts.Diagnostic, cwd: string): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  const category = ts.DiagnosticCategory[d.category].toLowerCase();
  const where = d.file && d.start !== undefined ? `${position(d.file, d.start, cwd)}: ` : "";
  return `${where}${category} TS${d.code}: ${text}`;
}
