// The ELEGY diagnostics: one code and one message template each. Exact texts are locked by
// test/transformer/diagnostics.test.ts and its neighbours. Where the runtime has a twin check
// (src/decorators.ts, src/injection/plan.ts, src/model/step-results.ts), both take the
// template from src/step-messages.ts, so they say the same thing in the same words.
import { BUILTIN_INJECTABLES, BuiltinInjectable, StepKind } from "../src/metadata-keys";
import { CODES, STEP_MESSAGES } from "../src/step-messages";
import { TRAINER_CODES } from "../src/trainer/messages";

// The step codes (1001–1009) live beside their words in src/step-messages.ts, where the
// run-time twins take them from.
export { CODES };
export type ElegyCode = (typeof CODES)[keyof typeof CODES] | TrainerCode;

/** `ELEGY1001`. */
export function codeName(code: ElegyCode): string {
  return `ELEGY${code}`;
}

/**
 * tsc prints every diagnostic as `TS<code>`; when ELEGY diagnostics go through tsc (the ts-patch
 * plugin) their numbers are offset so they cannot be mistaken for TypeScript's own, and the
 * message text starts with the ELEGY code: `error TS991001: ELEGY1001: …`.
 */
export const TS_CODE_OFFSET = 990000;

/**
 * Messages of checks that exist only at build time. Checks with a runtime twin take their
 * words from src/step-messages.ts (STEP_MESSAGES) directly.
 */
export const MESSAGES = {
  /** ELEGY1004. `where` is `Class.method`. */
  wrongType: (name: BuiltinInjectable, kind: StepKind, where: string, declared: string): string =>
    `'${name}' in @${kind} ${where} is declared as ${declared}, but elegy-ts injects ${BUILTIN_INJECTABLES[name].injects}.` +
    ` Declare it as ${BUILTIN_INJECTABLES[name].declareAs}.`,

  /** ELEGY1008: `declared` is the parameter's type, `expected` the type Injectables gives the name. */
  injectableType: (name: string, kind: StepKind, where: string, declared: string, expected: string): string =>
    `'${name}' in @${kind} ${where} is declared as ${declared}, but Injectables declares '${name}' as ${expected}.` +
    ` Declare the parameter as ${expected}, or change its declaration in Injectables.`,
};

/** What is wrong with a step's return type, completing MESSAGES.wrongReturn. `text` is the type as printed. */
export const RETURN_PROBLEMS = {
  promise: (text: string): string => STEP_MESSAGES.promise(`returns ${text}`),
  arity: (text: string, items: number): string => `it returns ${text}, a tuple of ${items} item${items === 1 ? "" : "s"}.`,
  arityAtLeast: (text: string, items: number): string => `it returns ${text}, a tuple of at least ${items} item${items === 1 ? "" : "s"}.`,
  arityBetween: (text: string, least: number, most: number): string => `it returns ${text}, a tuple of ${least} to ${most} items.`,
  notATuple: (text: string): string => `it returns ${text}, not a tuple.`,
  /** `items` is STEP_MESSAGES.wrongItems' sentence(s). */
  wrongItems: (text: string, items: string): string => `it returns ${text}, whose ${items}`,
  arrayWithoutStates: (text: string): string => `it returns ${text}, an array none of whose items can be a States.`,
  notStatesValue: (text: string): string => `it returns ${text}, not a States.`,
  noAlternativeFits: (text: string): string => `it returns ${text}, and none of those alternatives fits.`,
};

// @trainer (ELEGY1010–1019): checked by analyse/trainers.ts. Codes and texts live in
// src/trainer/messages.ts, where the run-time twins take them from.
export { TRAINER_CODES };
export type TrainerCode = (typeof TRAINER_CODES)[keyof typeof TRAINER_CODES];
