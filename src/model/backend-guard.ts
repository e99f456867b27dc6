// One backend at a time per process. tfjs has one active backend, and every model call
// activates its model's at its start; a call of another model that needs a different backend
// would switch tfjs under the running call, which would go on computing on that backend
// without a word. So while calls of models compute on backend A, a call of another model that
// needs backend B is refused before it changes anything. Calls needing the same backend
// overlap freely (two cpu models train side by side), and a model that names no backend takes
// whichever runs, so it is never refused.
import { ElegyBusyError } from "../errors";
import { currentBackend, plannedBackend } from "#platform/backend"; // Node's or the page's backend choice
import { guardMethods } from "./guard-methods";

/** The Model methods that activate the model's backend and compute on it. */
export const BACKEND_CALLS = [
  "ready", "init", "fit", "evaluate", "predict", "trainOnBatch", "testOnBatch", "predictOnBatch", "loadWeights", "export",
] as const;

interface Claim {
  readonly model: object;
  readonly call: string;
  /** The model's backend option. Resolved each time claims are compared: "auto" is known once it has chosen. */
  readonly request: string | undefined;
}

/** The calls under way, of every model. */
const claims = new Set<Claim>();

/**
 * Wraps the BACKEND_CALLS of `prototype`: each call holds its model's backend until it settles,
 * and is refused (a rejected promise) when another model's call holds a different one.
 */
export function guardBackends(prototype: object, requestOf: (model: object) => string | undefined): void {
  guardMethods(prototype, BACKEND_CALLS, (model, call) => {
    const claim: Claim = { model, call, request: requestOf(model) };
    refuseOtherBackend(claim);
    claims.add(claim);
    return () => void claims.delete(claim);
  });
}

function refuseOtherBackend(claim: Claim): void {
  const wanted = plannedBackend(claim.request); // throws the option's own error for an unknown name
  if (wanted === "any") return;
  for (const other of claims) {
    if (other.model === claim.model) continue;
    const held = backendOf(other);
    if (held !== wanted) throw new ElegyBusyError(otherBackendMessage(claim, wanted, other, held));
  }
}

/**
 * The backend a call runs on: its model's, or for a model that names none, the one running.
 * Undefined: the one "auto" picks, not chosen yet (two such calls agree: both get auto's pick).
 */
function backendOf(claim: Claim): string | undefined {
  const planned = plannedBackend(claim.request);
  return planned === "any" ? currentBackend()?.name : planned;
}

function otherBackendMessage(claim: Claim, wanted: string | undefined, other: Claim, held: string | undefined): string {
  const needs = wanted === undefined ? 'the backend "auto" picks, which it has not chosen yet in this process' : `backend "${wanted}"`;
  const runs = held === undefined ? 'the backend "auto" is still choosing' : `"${held}"`;
  return (
    `${claim.model.constructor.name}.${claim.call}() needs ${needs}, but ${other.model.constructor.name}.${other.call}() ` +
    `of another model is running on ${runs}. tfjs has one active backend per process: switching it now would leave ` +
    `the running ${other.call}() computing on another backend without a word. Await that ${other.call}() before calling ` +
    `${claim.call}(), or give both models the same backend option.`
  );
}
