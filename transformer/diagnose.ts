// StepInfo → ELEGY diagnostics. Pure apart from the type checks, which ask the checker.
import ts from "typescript";
import { BUILTIN_INJECTABLE_NAMES, STEP_INJECTABLES } from "../src/metadata-keys";
import { closestName } from "../src/suggest";
import { CODES, ElegyCode, TS_CODE_OFFSET, messages } from "./codes";
import { StepInfo } from "./analyse";

export interface ElegyDiagnostic {
  code: ElegyCode;
  message: string;
  file: ts.SourceFile;
  start: number;
  length: number;
}

/** Built-ins whose declared type must accept what is injected. */
const BOOLEAN_INJECTABLES = new Set(["initializing", "training"]);

function at(node: ts.Node, code: ElegyCode, message: string): ElegyDiagnostic {
  const file = node.getSourceFile();
  return { code, message, file, start: node.getStart(file), length: node.getWidth(file) };
}

export function diagnoseSteps(steps: StepInfo[], checker: ts.TypeChecker, custom: readonly string[]): ElegyDiagnostic[] {
  const out: ElegyDiagnostic[] = [];
  const seen = new Map<string, StepInfo>();
  for (const step of steps) {
    const where = `${step.className}.${step.memberName}`;
    if (!step.isMethod || step.isStatic) {
      const what = step.isStatic ? "the static member" : ts.isGetAccessor(step.member) || ts.isSetAccessor(step.member) ? "the accessor" : "the property";
      out.push(at(step.decorator, CODES.notAMethod, messages.notAMethod(step.kind, where, what)));
      continue;
    }
    const key = `${step.member.parent.pos}:${step.kind}`;
    const first = seen.get(key);
    if (first && first.memberName !== step.memberName) {
      out.push(at(step.decorator, CODES.duplicateStep, messages.duplicateStep(step.kind, step.className, first.memberName, step.memberName)));
    } else {
      seen.set(key, step);
    }
    const allowed: readonly string[] = STEP_INJECTABLES[step.kind];
    step.params.forEach((param, i) => {
      if (param.name === undefined) {
        out.push(at(param.node, CODES.unsupportedParameter, messages.destructured(i + 1, step.kind, where)));
        return;
      }
      if (param.rest) {
        out.push(at(param.node, CODES.unsupportedParameter, messages.rest(param.name, step.kind, where)));
        return;
      }
      const name = param.name;
      if (allowed.includes(name) || custom.includes(name)) {
        if (BOOLEAN_INJECTABLES.has(name) && param.node.type) {
          const declared = checker.getTypeAtLocation(param.node.type);
          if (!checker.isTypeAssignableTo(checker.getBooleanType(), declared)) {
            out.push(at(param.node, CODES.wrongParameterType, messages.wrongType(name, step.kind, where, checker.typeToString(declared), "boolean")));
          }
        }
        return;
      }
      if ((BUILTIN_INJECTABLE_NAMES as readonly string[]).includes(name)) {
        out.push(at(param.node.name, CODES.notAvailableInStep, messages.notAvailableInStep(name, step.kind, where)));
        return;
      }
      const suggestion = closestName(name, [...allowed, ...custom]) ?? closestName(name, BUILTIN_INJECTABLE_NAMES);
      out.push(at(param.node.name, CODES.unknownInjectable, messages.unknownInjectable(name, step.kind, where, suggestion, custom)));
    });
  }
  return out;
}

/** As a TypeScript diagnostic (for ts-patch), message prefixed with the ELEGY code. */
export function toTsDiagnostic(d: ElegyDiagnostic): ts.Diagnostic {
  return {
    category: ts.DiagnosticCategory.Error,
    code: TS_CODE_OFFSET + d.code,
    file: d.file,
    start: d.start,
    length: d.length,
    messageText: `ELEGY${d.code}: ${d.message}`,
    source: "elegy-ts",
  };
}

/** `file(line,col): error ELEGYnnnn: message`, as tsc prints its own. */
export function formatElegy(d: ElegyDiagnostic, cwd: string): string {
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${relative(d.file.fileName, cwd)}(${line + 1},${character + 1}): error ELEGY${d.code}: ${d.message}`;
}

export function formatTs(d: ts.Diagnostic, cwd: string): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  const kind = ts.DiagnosticCategory[d.category].toLowerCase();
  if (!d.file || d.start === undefined) return `${kind} TS${d.code}: ${text}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${relative(d.file.fileName, cwd)}(${line + 1},${character + 1}): ${kind} TS${d.code}: ${text}`;
}

function relative(file: string, cwd: string): string {
  const path = require("node:path") as typeof import("node:path");
  const rel = path.relative(cwd, file);
  return rel.startsWith("..") ? file : rel;
}
