// diagnose.ts is pure: StepInfo records in, diagnostics out. These tests build the records by
// hand (no program, no checker), so each rule is checked on its own.
import test from "node:test";
import assert from "node:assert/strict";
import ts from "typescript";
import {
  CODES, MESSAGES, TS_CODE_OFFSET, codeName, diagnoseSteps, formatElegyDiagnostic, isProgramTransformerCall, toTsDiagnostic,
  type StepInfo, type StepParam,
} from "elegy-ts/transformer";
import type { StepKind } from "../../src/metadata-keys";

const source = ts.createSourceFile("/project/model.ts", "class M {\n  m(a, b, c, d) {}\n}\n", ts.ScriptTarget.ES2022, true);
const classNode = source.statements[0] as ts.ClassDeclaration;
const member = classNode.members[0] as ts.MethodDeclaration;
const at = (start: number) => ({ file: source, start, length: 1 });

interface ParamSpec {
  name?: string;
  rest?: boolean;
  acceptsBoolean?: boolean;
  primitiveOnly?: boolean;
  text?: string;
}

function param(spec: ParamSpec, index: number): StepParam {
  return {
    index,
    name: spec.name,
    rest: spec.rest ?? false,
    type: { text: spec.text ?? "unknown", acceptsBoolean: spec.acceptsBoolean ?? true, primitiveOnly: spec.primitiveOnly ?? false, location: at(100 + index) },
    node: member.parameters[0],
    location: at(10 + index),
  };
}

function step(kind: StepKind, params: ParamSpec[], extra: Partial<StepInfo> = {}): StepInfo {
  return {
    class: "M", classNode, method: "m", member, memberKind: "method", kind, decorator: undefined as unknown as ts.Decorator,
    params: params.map(param), location: at(1), ...extra,
  };
}

const summary = (steps: StepInfo[], own: string[] = []) => diagnoseSteps(steps, own).map((d) => [d.code, d.location.start]);

test("every built-in the step may request passes; the others are ELEGY1002", () => {
  assert.deepEqual(summary([step("testStep", [{ name: "x" }, { name: "yTrue" }, { name: "sampleWeight" }, { name: "classWeight" }, { name: "states" }, { name: "initializing" }, { name: "training" }])]), []);
  assert.deepEqual(summary([step("predStep", [{ name: "x" }, { name: "yTrue" }, { name: "sampleWeight" }, { name: "classWeight" }, { name: "states" }])]), [
    [CODES.notAvailableInStep, 11], [CODES.notAvailableInStep, 12], [CODES.notAvailableInStep, 13],
  ]);
  assert.deepEqual(summary([step("initStep", [{ name: "initializing" }, { name: "training" }, { name: "x" }])]), [
    [CODES.notAvailableInStep, 10], [CODES.notAvailableInStep, 11],
  ]);
});

test("user injectables are accepted in every step; a built-in among them is still judged by the step", () => {
  for (const kind of ["predStep", "testStep", "gradStep", "trainStep", "initStep"] as const) {
    assert.deepEqual(summary([step(kind, [{ name: "teacher" }])], ["teacher"]), [], kind);
    assert.deepEqual(summary([step(kind, [{ name: "teacher" }])]), [[CODES.unknownInjectable, 10]], kind);
  }
  const [d] = diagnoseSteps([step("predStep", [{ name: "yTrue" }])], ["yTrue", "teacher"]);
  assert.equal(d.message, MESSAGES.notAvailableInStep("yTrue", "predStep", "M.m", ["teacher"]));
  assert.match(d.message, /may request: x, states, initializing, training; and your Injectables: teacher\.$/);
});

test("types: booleans must accept boolean; tensors and States must not be primitives", () => {
  assert.deepEqual(summary([step("trainStep", [{ name: "initializing", acceptsBoolean: false }, { name: "training", acceptsBoolean: true, primitiveOnly: true }])]), [
    [CODES.wrongType, 100],
  ]);
  assert.deepEqual(summary([step("trainStep", [{ name: "x", primitiveOnly: true }, { name: "states", primitiveOnly: false, acceptsBoolean: false }])]), [
    [CODES.wrongType, 100],
  ]);
  // a name not available to the step is reported as such, not for its type
  assert.deepEqual(summary([step("predStep", [{ name: "yTrue", primitiveOnly: true }])]), [[CODES.notAvailableInStep, 10]]);
});

test("unnamed parameters, non-methods and duplicates", () => {
  assert.deepEqual(summary([step("gradStep", [{ name: undefined }, { name: "args", rest: true }])]), [
    [CODES.unnamedParameter, 10], [CODES.unnamedParameter, 11],
  ]);
  for (const memberKind of ["static", "property", "accessor"] as const) {
    const ds = diagnoseSteps([step("predStep", [{ name: "nope" }], { memberKind })]);
    assert.deepEqual(ds.map((d) => d.code), [CODES.notAMethod], `${memberKind}: reported once, parameters not judged`);
  }
  const other = { ...member } as ts.MethodDeclaration;
  const dup = diagnoseSteps([step("testStep", []), step("testStep", [], { member: other, method: "n", location: at(5) }), step("predStep", [])]);
  assert.deepEqual(dup.map((d) => [d.code, d.message]), [[CODES.duplicateStep, "M overrides @testStep twice: in 'm' and in 'n'. Keep one @testStep per class."]]);
  // two step kinds on one method are not a duplicate
  assert.deepEqual(diagnoseSteps([step("testStep", []), step("predStep", [])]), []);
});

test("codes, formatting and the TypeScript form", () => {
  const values = Object.values(CODES);
  assert.deepEqual(values, [1001, 1002, 1003, 1004, 1005, 1006, 1007]);
  const [d] = diagnoseSteps([step("predStep", [{ name: "yTrue" }])]);
  assert.equal(formatElegyDiagnostic(d, "/project"), `model.ts(2,1): error ELEGY1002: ${d.message}`);
  assert.equal(formatElegyDiagnostic(d, "/elsewhere"), `/project/model.ts(2,1): error ELEGY1002: ${d.message}`);
  const asTs = toTsDiagnostic(d);
  assert.equal(asTs.code, TS_CODE_OFFSET + 1002);
  assert.equal(asTs.messageText, `${codeName(1002)}: ${d.message}`);
  assert.equal(asTs.category, ts.DiagnosticCategory.Error);
  assert.equal(asTs.file, source);
  assert.equal(asTs.start, 10);
});

test("ts-patch calling conventions are told apart", () => {
  const host = ts.createCompilerHost({});
  assert.equal(isProgramTransformerCall(host, { transform: "elegy-ts/transformer", transformProgram: true }), true);
  assert.equal(isProgramTransformerCall(undefined, { transformProgram: true }), true);
  assert.equal(isProgramTransformerCall({}, { addDiagnostic() {} }), false, "source transformer: (program, config, extras)");
  assert.equal(isProgramTransformerCall(undefined, undefined), false, "called with the program only");
});
