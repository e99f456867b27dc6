// Checks what a step returned against what its kind must return (docs/guide.md), so a wrong
// tuple fails at the step that produced it, with a message naming the method.
import { tf } from "../tf";
import { STEP_SLOTS, STEP_TUPLES, SlotRole, StepKind, TupleKind } from "../metadata-keys";
import { Fit, judgeItems } from "../step-items";
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

/**
 * Whether a value can be an item of this role: the same rules ELEGY1007 applies to types, kept
 * cheap (this runs every batch). A tree (yPred, grads) is ruled out only when it is a States, a
 * primitive or a function; its leaves are not walked. Log values are judged after, one by one.
 */
function fits(value: unknown, role: SlotRole): Fit {
  switch (role) {
    case "states":
      return value instanceof States ? "yes" : "no";
    case "loss":
      return isTensor(value) ? "yes" : "no";
    case "logs":
      return isPlainObject(value) ? "yes" : "no";
    case "yPred":
    case "grads":
      if (value instanceof States || typeof value === "function") return "no";
      return value === undefined || value === null || typeof value === "object" ? "yes" : "no";
  }
}

/** The step's tuple, of the length STEP_TUPLES gives, each item of its kind (the contract the transformer's ELEGY1007 checks too). */
function tuple(kind: TupleKind, where: string, value: unknown): unknown[] {
  notAPromise(kind, where, value);
  if (!Array.isArray(value)) fail(kind, where, `it returned ${describe(value)}.`);
  if (value.length !== STEP_TUPLES[kind].items) fail(kind, where, `it returned ${describe(value)}.`);
  const items: unknown[] = value;
  const verdict = judgeItems(STEP_SLOTS[kind], (item, role) => fits(items[item], role));
  if (verdict) fail(kind, where, STEP_MESSAGES.wrongItems(kind, verdict, (item) => describe(items[item])));
  return items;
}

/** The tuple's States, at the position STEP_TUPLES gives (tuple() has checked it is one). */
function states(kind: TupleKind, value: unknown[]): States {
  return value[STEP_TUPLES[kind].states] as States;
}

/** The loss, a Tensor (tuple() has checked): of one element, as a scalar. */
function scalarLoss(kind: StepKind, where: string, value: tf.Tensor): tf.Scalar {
  if (value.size !== 1) {
    fail(kind, where, `its loss (item 1) is ${describe(value)}; reduce it to a scalar, e.g. with tf.mean(...).`);
  }
  return (value.rank === 0 ? value : value.reshape([])) as tf.Scalar;
}

/** The logs, a plain object (tuple() has checked): each value a number or a one-element Tensor. */
function logs(kind: StepKind, where: string, value: object): Logs {
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === "number") continue;
    if (!isTensor(v)) fail(kind, where, `log '${name}' is ${describe(v)}; log values must be scalar Tensors or numbers.`);
    if (v.size !== 1) fail(kind, where, `log '${name}' is ${describe(v)}; log values must be scalars (reduce it, e.g. with tf.mean).`);
  }
  return value as Logs;
}

export function checkPredResult(where: string, value: unknown): PredResult {
  const items = tuple("predStep", where, value);
  return [items[0] as TensorTree, states("predStep", items)];
}

export function checkTestResult(where: string, value: unknown): TestResult {
  const items = tuple("testStep", where, value);
  return [scalarLoss("testStep", where, items[0] as tf.Tensor), logs("testStep", where, items[1] as object), states("testStep", items)];
}

export function checkGradResult(where: string, value: unknown): GradResult {
  const items = tuple("gradStep", where, value);
  return [scalarLoss("gradStep", where, items[0] as tf.Tensor), logs("gradStep", where, items[1] as object), states("gradStep", items), items[3] as TensorTree];
}

export function checkTrainResult(where: string, value: unknown): TrainResult {
  const items = tuple("trainStep", where, value);
  return [logs("trainStep", where, items[0] as object), states("trainStep", items)];
}

export function checkInitResult(where: string, value: unknown): States {
  notAPromise("initStep", where, value);
  if (!(value instanceof States)) fail("initStep", where, `it returned ${describe(value)}.`);
  return value;
}
