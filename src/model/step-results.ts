// Checks what a step returned against what its kind must return (docs/guide.md), so a wrong
// tuple fails at the step that produced it, with a message naming the method.
import { tf } from "../tf";
import { STEP_TUPLES, StepKind } from "../metadata-keys";
import { ElegyStepResultError } from "../errors";
import { CODES, STEP_MESSAGES } from "../step-messages";
import { Logs } from "../logs";
import { States } from "../states";
import { TensorTree, isPlainObject, isTensor } from "../tree";

export type PredResult = [TensorTree, States];
export type TestResult = [tf.Scalar, Logs, States];
export type GradResult = [tf.Scalar, Logs, States, TensorTree];
export type TrainResult = [Logs, States];

function fail(kind: StepKind, where: string, problem: string): never {
  throw new ElegyStepResultError(STEP_MESSAGES.wrongReturn(kind, where, problem), { code: CODES.wrongReturn });
}

function isPromiseLike(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** The runtime twin of ELEGY1007's Promise rule: an async step's result is not there yet. */
function notAPromise(kind: StepKind, where: string, value: unknown): void {
  if (isPromiseLike(value)) {
    // The promise may still reject; nobody awaits it, so keep that from becoming an unhandled rejection.
    (value as Promise<unknown>).then(undefined, () => undefined);
    fail(kind, where, STEP_MESSAGES.promise("returned a Promise"));
  }
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (isTensor(value)) return `a Tensor of shape [${value.shape.join(",")}]`;
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? "" : "s"}`;
  if (value instanceof States) return "a States";
  return typeof value === "object" ? `an object (${value.constructor?.name ?? "Object"})` : `a ${typeof value}`;
}

type TupleKind = keyof typeof STEP_TUPLES;

/** The step's tuple, of the length STEP_TUPLES gives (the contract the transformer's ELEGY1007 checks too). */
function tuple(kind: TupleKind, where: string, value: unknown): unknown[] {
  notAPromise(kind, where, value);
  if (!Array.isArray(value)) fail(kind, where, `it returned ${describe(value)}.`);
  if (value.length !== STEP_TUPLES[kind].items) fail(kind, where, `it returned ${describe(value)}.`);
  return value;
}

/** The tuple's States, at the position STEP_TUPLES gives. */
function states(kind: TupleKind, where: string, value: unknown[]): States {
  const position = STEP_TUPLES[kind].states;
  const s = value[position];
  if (!(s instanceof States)) {
    fail(kind, where, STEP_MESSAGES.notStates(position + 1, describe(s)));
  }
  return s;
}

function scalarLoss(kind: StepKind, where: string, value: unknown): tf.Scalar {
  if (!isTensor(value)) fail(kind, where, `its loss (item 1) is ${describe(value)}, not a scalar Tensor.`);
  if (value.size !== 1) {
    fail(kind, where, `its loss (item 1) is ${describe(value)}; reduce it to a scalar, e.g. with tf.mean(...).`);
  }
  return (value.rank === 0 ? value : value.reshape([])) as tf.Scalar;
}

function logs(kind: StepKind, where: string, value: unknown, position: number): Logs {
  if (!isPlainObject(value)) fail(kind, where, `its logs (item ${position}) are ${describe(value)}, not an object of name → value.`);
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === "number") continue;
    if (!isTensor(v)) fail(kind, where, `log '${name}' is ${describe(v)}; log values must be scalar Tensors or numbers.`);
    if (v.size !== 1) fail(kind, where, `log '${name}' is ${describe(v)}; log values must be scalars (reduce it, e.g. with tf.mean).`);
  }
  return value as Logs;
}

export function checkPredResult(where: string, value: unknown): PredResult {
  const items = tuple("predStep", where, value);
  return [items[0] as TensorTree, states("predStep", where, items)];
}

export function checkTestResult(where: string, value: unknown): TestResult {
  const items = tuple("testStep", where, value);
  return [scalarLoss("testStep", where, items[0]), logs("testStep", where, items[1], 2), states("testStep", where, items)];
}

export function checkGradResult(where: string, value: unknown): GradResult {
  const items = tuple("gradStep", where, value);
  return [scalarLoss("gradStep", where, items[0]), logs("gradStep", where, items[1], 2), states("gradStep", where, items), items[3] as TensorTree];
}

export function checkTrainResult(where: string, value: unknown): TrainResult {
  const items = tuple("trainStep", where, value);
  return [logs("trainStep", where, items[0], 1), states("trainStep", where, items)];
}

export function checkInitResult(where: string, value: unknown): States {
  notAPromise("initStep", where, value);
  if (!(value instanceof States)) fail("initStep", where, `it returned ${describe(value)}.`);
  return value;
}
