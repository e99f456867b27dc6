// diagnose.ts is pure: StepInfo records in, diagnostics out. These tests build the records by
// hand (no program, no checker), so each rule is checked on its own.
import test from "node:test";
import assert from "node:assert/strict";
import ts from "typescript";
import {
  CODES, MESSAGES, RETURN_PROBLEMS, TS_CODE_OFFSET, codeName, diagnoseSteps, formatElegyDiagnostic, isProgramTransformerCall, returnProblem,
  toTsDiagnostic, type ReturnInfo, type ReturnShape, type ReturnSlot, type StatesFit, type StepInfo, type StepParam,
} from "elegy-ts/transformer";
import type { SlotRole, StepKind } from "../../src/metadata-keys";
import { STEP_MESSAGES } from "../../src/step-messages";

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
  assert.equal(d.message, STEP_MESSAGES.notAvailableInStep("yTrue", "predStep", "M.m", ["teacher"]));
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

test("one step decorator twice on one method: each problem reported once", () => {
  const twice = [step("predStep", [{ name: "nope" }]), step("predStep", [{ name: "nope" }])];
  assert.deepEqual(summary(twice), [[CODES.unknownInjectable, 10]]);
});

test("an undecorated override is never a duplicate of the class's own step", () => {
  const other = { ...member } as ts.MethodDeclaration;
  const ds = diagnoseSteps([step("testStep", []), step("testStep", [], { member: other, method: "n", inheritedFrom: "Base.n", decorator: undefined })]);
  assert.deepEqual(ds, []);
});

// A slot judged for its States only (every other role "unknown", as for a type that cannot be judged).
const slot = (states: StatesFit, text = "T") => ({ text, fits: { yPred: "unknown", loss: "unknown", logs: "unknown", grads: "unknown", states } as const });
// A slot that surely fits the roles named, and surely not the others.
const only = (text: string, ...roles: SlotRole[]): ReturnSlot => ({
  text, fits: { yPred: "no", loss: "no", logs: "no", states: "no", grads: "no", ...Object.fromEntries(roles.map((role) => [role, "yes"])) },
});
const items = (...slots: ReturnSlot[]): ReturnShape => ({ kind: "tuple", slots, minLength: slots.length, rest: false });
const tuple = (fits: StatesFit[], extra: Partial<{ minLength: number; rest: boolean }> = {}): ReturnShape => ({
  kind: "tuple", slots: fits.map((f) => slot(f)), minLength: extra.minLength ?? fits.length, rest: extra.rest ?? false,
});
const returns = (shapes: ReturnShape[], async = false): ReturnInfo => ({ text: "R", async, shapes, location: at(50) });

test("returnProblem: arity and the States slot of each tuple kind", () => {
  assert.equal(returnProblem("predStep", returns([tuple(["no", "yes"])])), undefined);
  assert.equal(returnProblem("trainStep", returns([tuple(["no", "unknown"])])), undefined, "a slot that cannot be judged passes");
  assert.equal(returnProblem("testStep", returns([tuple(["no", "no", "yes"])])), undefined);
  assert.equal(returnProblem("gradStep", returns([tuple(["no", "no", "yes", "no"])])), undefined);
  assert.equal(returnProblem("predStep", returns([tuple(["no", "yes", "yes"])])), RETURN_PROBLEMS.arity("R", 3));
  assert.equal(returnProblem("gradStep", returns([tuple(["no", "no", "yes"])])), RETURN_PROBLEMS.arity("R", 3));
  assert.equal(returnProblem("testStep", returns([tuple(["no", "no", "no"])])), RETURN_PROBLEMS.wrongItems("R", STEP_MESSAGES.notStates(3, "T")));
  assert.equal(returnProblem("predStep", returns([tuple(["yes", "no"])])), RETURN_PROBLEMS.wrongItems("R", STEP_MESSAGES.notStates(2, "T")));
});

test("returnProblem: every item judged by its place; items that fit each other's places are called swapped", () => {
  const scalar = only("Scalar", "loss", "yPred", "grads");
  const logs = only("Logs", "logs");
  const states = only("States", "states");
  const tensors = only("Tensor[]", "yPred", "grads");
  assert.equal(returnProblem("testStep", returns([items(scalar, logs, states)])), undefined);
  assert.equal(returnProblem("gradStep", returns([items(scalar, logs, states, tensors)])), undefined);
  assert.equal(returnProblem("testStep", returns([items(logs, scalar, states)])),
    "it returns R, whose items 1 and 2 look swapped: return [loss, logs, states].");
  assert.equal(returnProblem("trainStep", returns([items(states, logs)])), "it returns R, whose items 1 and 2 look swapped: return [logs, states].");
  assert.equal(returnProblem("testStep", returns([items(states, scalar, logs)])),
    "it returns R, whose items 1, 2 and 3 look out of order: return [loss, logs, states].");
  assert.equal(returnProblem("gradStep", returns([items(logs, scalar, states, only("string"))])),
    "it returns R, whose items 1 and 2 look swapped: return [loss, logs, states, grads]." +
    " Item 4 (grads) is string, not a Tensor or a nested object/array of Tensors. Return the gradients of states.netParams, in its structure.");
  // a swap is said only where each item surely fits its new place; otherwise each item is reported on its own
  const maybeLogs = { ...only("Record<string, unknown>"), fits: { ...only("").fits, logs: "unknown" as const } };
  assert.equal(returnProblem("testStep", returns([items(maybeLogs, scalar, states)])),
    "it returns R, whose item 1 (loss) is Record<string, unknown>, not a scalar Tensor." +
    " Return the loss as a scalar Tensor, e.g. tf.mean(...) of the per-sample losses, or tf.scalar(value)." +
    " Item 2 (logs) is Scalar, not Logs (an object of name → scalar Tensor or number). Return the logs as an object, e.g. { loss }.");
  assert.equal(returnProblem("predStep", returns([items(only("number"), states)])),
    "it returns R, whose item 1 (yPred) is number, not a Tensor or a nested object/array of Tensors. Return the prediction (e.g. the module's output) first.");
  // "unknown" (any, unknown, unconstrained generics) is never wrong
  assert.equal(returnProblem("gradStep", returns([items(slot("unknown"), slot("unknown"), states, slot("unknown"))])), undefined);
});

test("returnProblem: rest and optional elements, arrays, values, unions, Promises, initStep", () => {
  // [a, ...States[]]: any length from 1, slot 2 onwards are States
  assert.equal(returnProblem("testStep", returns([tuple(["no", "yes"], { minLength: 1, rest: true })])), undefined);
  assert.equal(returnProblem("predStep", returns([tuple(["no", "no", "no", "yes"], { minLength: 3, rest: true })])), RETURN_PROBLEMS.arityAtLeast("R", 3));
  assert.equal(returnProblem("trainStep", returns([tuple(["no", "yes", "no"], { minLength: 1 })])), undefined, "[logs, States?, x?] can have 2 items");
  assert.equal(returnProblem("predStep", returns([tuple(["no", "yes", "no", "no"], { minLength: 3 })])), RETURN_PROBLEMS.arityBetween("R", 3, 4));
  assert.equal(returnProblem("predStep", returns([{ kind: "array", item: slot("yes") }])), undefined, "an array may hold [yPred, States]");
  assert.equal(returnProblem("predStep", returns([{ kind: "array", item: slot("no") }])), RETURN_PROBLEMS.arrayWithoutStates("R"));
  assert.equal(returnProblem("predStep", returns([{ kind: "value", states: "yes" }])), RETURN_PROBLEMS.notATuple("R"), "a bare States is no tuple");
  assert.equal(returnProblem("predStep", returns([{ kind: "opaque" }])), undefined);
  assert.equal(returnProblem("predStep", returns([{ kind: "value", states: "no" }, tuple(["no", "yes"])])), undefined, "a union with one fitting alternative");
  assert.equal(returnProblem("predStep", returns([{ kind: "value", states: "no" }, tuple(["no"])])), RETURN_PROBLEMS.noAlternativeFits("R"));
  assert.equal(returnProblem("predStep", returns([{ kind: "opaque" }, { kind: "promise" }])), RETURN_PROBLEMS.promise("R"), "a Promise anywhere fails");
  assert.equal(returnProblem("predStep", returns([{ kind: "opaque" }], true)), RETURN_PROBLEMS.promise("R"), "async fails whatever it returns");
  assert.equal(returnProblem("initStep", returns([{ kind: "value", states: "yes" }])), undefined);
  assert.equal(returnProblem("initStep", returns([{ kind: "value", states: "unknown" }])), undefined);
  assert.equal(returnProblem("initStep", returns([{ kind: "value", states: "no" }])), RETURN_PROBLEMS.notStatesValue("R"));
  assert.equal(returnProblem("initStep", returns([tuple(["yes"])])), RETURN_PROBLEMS.notStatesValue("R"), "[States] is no States");
});

test("ELEGY1007 is reported at the return type's location, with the step's name", () => {
  const [d] = diagnoseSteps([step("trainStep", [], { returns: returns([{ kind: "value", states: "no" }]) })]);
  assert.equal(d.code, CODES.wrongReturn);
  assert.equal(d.location.start, 50);
  assert.equal(d.message, "M.m (@trainStep) must return [logs, States], but it returns R, not a tuple.");
});

test("where a runtime twin exists, the ELEGY message is the runtime's template; ELEGY1004 words come from the injectables table", () => {
  const message = (kind: StepKind, spec: ParamSpec, extra: Partial<StepInfo> = {}) => diagnoseSteps([step(kind, [spec], extra)]).map((d) => d.message);
  assert.deepEqual(message("predStep", { name: "y_true" }), [STEP_MESSAGES.unknownInjectable("y_true", "predStep", "M.m", undefined, [])]);
  assert.deepEqual(message("testStep", { name: "y_true" }), [STEP_MESSAGES.unknownInjectable("y_true", "testStep", "M.m", "yTrue", [])]);
  assert.deepEqual(message("predStep", { name: "x" }, { memberKind: "property" }), [STEP_MESSAGES.notAMethod("predStep", "M.m", "a property")]);
  assert.deepEqual(message("predStep", { name: "x" }, { memberKind: "static" }), [STEP_MESSAGES.staticMember("predStep", "M.m", "method")]);
  assert.deepEqual(message("trainStep", { name: "training", acceptsBoolean: false, text: "number" }), [
    "'training' in @trainStep M.m is declared as number, but elegy-ts injects a boolean. Declare it as boolean.",
  ]);
  assert.equal(MESSAGES.wrongType("sampleWeight", "testStep", "M.m", "string"),
    "'sampleWeight' in @testStep M.m is declared as string, but elegy-ts injects a Tensor or undefined. Declare it as tf.Tensor | undefined.");
});

test("codes, formatting and the TypeScript form", () => {
  const values = Object.values(CODES);
  assert.deepEqual(values, [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008]);
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
