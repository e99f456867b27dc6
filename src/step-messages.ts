// The words of every check that exists twice: at build time (transformer/codes.ts, as ELEGY
// diagnostics) and at run time (decorators.ts, injection/plan.ts, model/step-results.ts).
// One template each, so the two sides cannot drift apart. Dependency-free, like
// metadata-keys.ts: the transformer loads it inside the TypeScript compiler.
import { STEP_INJECTABLES, STEP_RETURNS, STEP_SLOTS, SlotRole, StepKind, TupleKind } from "./metadata-keys";
import type { ItemsVerdict } from "./step-items";
import { didYouMean } from "./suggest";

/**
 * The ELEGY code of every step check. A run-time error that twins a diagnostic carries the
 * same code (`error.code === "ELEGY1001"`, and its message starts with it).
 */
export const CODES = {
  /** A parameter name that is no injectable at all (with the closest valid name suggested). */
  unknownInjectable: 1001,
  /** A built-in injectable that exists, but not for this kind of step (`yTrue` in @predStep). */
  notAvailableInStep: 1002,
  /** A destructured or rest parameter: it has no name to inject by. */
  unnamedParameter: 1003,
  /** A built-in injectable declared with a type that cannot hold what is injected. */
  wrongType: 1004,
  /** A step decorator on something that is not an instance method. */
  notAMethod: 1005,
  /** Two methods of one class override the same step. */
  duplicateStep: 1006,
  /** A step whose declared or inferred return type cannot be what its kind must return (or is a Promise). */
  wrongReturn: 1007,
  /** A parameter named like one of the user's Injectables, declared with a type its declaration does not fit. */
  injectableType: 1008,
} as const;

/** `@predStep may request: x, states, initializing, training.` plus, when there are some, `; and your Injectables: teacher`. */
export function mayRequest(kind: StepKind, userInjectables: readonly string[]): string {
  const own = userInjectables.length > 0 ? `; and your Injectables: ${userInjectables.join(", ")}` : "";
  return `@${kind} may request: ${STEP_INJECTABLES[kind].join(", ")}${own}.`;
}

/** What each item of a step's tuple must be, and how to make it so (states: see STEP_MESSAGES.notStates). */
const SLOT_WORDS: Readonly<Record<Exclude<SlotRole, "states">, { is: string; fix: string }>> = {
  yPred: { is: "a Tensor or a nested object/array of Tensors", fix: "Return the prediction (e.g. the module's output) first." },
  loss: { is: "a scalar Tensor", fix: "Return the loss as a scalar Tensor, e.g. tf.mean(...) of the per-sample losses, or tf.scalar(value)." },
  logs: { is: "Logs (an object of name → scalar Tensor or number)", fix: "Return the logs as an object, e.g. { loss }." },
  grads: { is: "a Tensor or a nested object/array of Tensors", fix: "Return the gradients of states.netParams, in its structure." },
};

/** `1 and 2`, `1, 2 and 4`. */
function positions(items: readonly number[]): string {
  return items.length === 1 ? `${items[0]}` : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** `where` is `Class.method` throughout. */
export const STEP_MESSAGES = {
  /** ELEGY1001 and its runtime twin (a name nobody provided). */
  unknownInjectable: (name: string, kind: StepKind, where: string, suggestion: string | undefined, userInjectables: readonly string[]): string =>
    `Unknown injectable '${name}' in @${kind} ${where}.` +
    didYouMean(suggestion) +
    ` ${mayRequest(kind, userInjectables)}` +
    ` To inject a value of your own, declare '${name}' in the Injectables interface of "elegy-ts" and call model.provide("${name}", value).`,

  /** Run time only: a name the user's Injectables declare, but no model.provide gave it a value. */
  notProvided: (name: string, kind: StepKind, where: string): string =>
    `'${name}' in @${kind} ${where} is declared in Injectables but not provided: call model.provide("${name}", …) before fit, evaluate or predict.`,

  /** Run time only: as notProvided, but a name close to it was provided (a misspelling in the provide call). */
  providedMisspelt: (name: string, kind: StepKind, where: string, provided: string): string =>
    `'${name}' in @${kind} ${where} is declared in Injectables but not provided: did you mean to provide '${name}'? '${provided}' was provided.`,

  /** ELEGY1002 and its runtime twin. */
  notAvailableInStep: (name: string, kind: StepKind, where: string, userInjectables: readonly string[]): string =>
    `'${name}' is not available in @${kind} ${where}. ${mayRequest(kind, userInjectables)}`,

  /** ELEGY1003 (destructured parameter) and its runtime twin. */
  destructuredParameter: (position: number, kind: StepKind, where: string): string =>
    `Parameter ${position} of @${kind} ${where} is destructured, so it has no name to inject by.` +
    ` Name it after what it receives (an injectable such as x, yTrue or states) and destructure it inside the method.`,

  /** ELEGY1003 (rest parameter) and its runtime twin. */
  restParameter: (name: string, kind: StepKind, where: string): string =>
    `Parameter '...${name}' of @${kind} ${where} is a rest parameter, so it has no single name to inject by.` +
    ` Declare each injectable as its own parameter.`,

  /** ELEGY1005 (static) and its runtime twin. */
  staticMember: (kind: StepKind, where: string, what: "method" | "property" | "accessor"): string =>
    `@${kind} cannot decorate the static ${what} ${where}: steps are instance methods. Remove 'static'.`,

  /** ELEGY1005 (property, accessor) and its runtime twin. */
  notAMethod: (kind: StepKind, where: string, what: "a property" | "an accessor"): string =>
    `@${kind} can only decorate a method, but ${where} is ${what}. Make it a method.`,

  /** ELEGY1006 and its runtime twin. */
  duplicateStep: (kind: StepKind, className: string, first: string, second: string): string =>
    `${className} overrides @${kind} twice: in '${first}' and in '${second}'. Keep one @${kind} per class.`,

  /** ELEGY1007 and the runtime checks of what a step returned: `problem` says what is wrong, as a sentence. */
  wrongReturn: (kind: StepKind, where: string, problem: string): string =>
    `${where} (@${kind}) must return ${STEP_RETURNS[kind]}, but ${problem}`,

  /** Part of wrongReturn: item `position` (from 1) is `what` (a type, or a described value). */
  notStates: (position: number, what: string): string =>
    `item ${position} is ${what}, not a States. Return the states you were given, or states.update({...}).`,

  /** Part of wrongReturn: item `position` (from 1), which must be a `role`, is `what` (a type, or a described value). */
  wrongItem: (position: number, role: SlotRole, what: string): string =>
    role === "states"
      ? STEP_MESSAGES.notStates(position, what)
      : `item ${position} (${role}) is ${what}, not ${SLOT_WORDS[role].is}. ${SLOT_WORDS[role].fix}`,

  /** Part of wrongReturn: items at `items` (from 1) each fit another of those places. */
  outOfOrder: (kind: TupleKind, items: readonly number[]): string =>
    `items ${positions(items)} look ${items.length === 2 ? "swapped" : "out of order"}: return [${STEP_SLOTS[kind].join(", ")}].`,

  /**
   * Part of wrongReturn: what is wrong with a tuple's items (step-items.ts's verdict), `what(i)`
   * describing item i (from 0). Several sentences when several things are wrong.
   */
  wrongItems: (kind: TupleKind, verdict: ItemsVerdict, what: (item: number) => string): string => {
    const sentences = [
      ...(verdict.moved.length > 0 ? [STEP_MESSAGES.outOfOrder(kind, verdict.moved.map((i) => i + 1))] : []),
      ...verdict.wrong.map((i) => STEP_MESSAGES.wrongItem(i + 1, STEP_SLOTS[kind][i], what(i))),
    ];
    return sentences.map((sentence, i) => (i === 0 ? sentence : sentence[0].toUpperCase() + sentence.slice(1))).join(" ");
  },

  /** Part of wrongReturn: the step returns (or returned) a Promise. */
  promise: (what: string): string =>
    `it ${what}: steps are synchronous. Remove 'async' and return the values themselves, not a Promise.`,
};
