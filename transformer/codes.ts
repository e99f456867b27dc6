// ELEGY diagnostics: codes and exact message texts (tests lock them).
import { STEP_INJECTABLES, StepKind } from "../src/metadata-keys";

export const CODES = {
  unknownInjectable: 1001,
  notAvailableInStep: 1002,
  unsupportedParameter: 1003,
  wrongParameterType: 1004,
  notAMethod: 1005,
  duplicateStep: 1006,
} as const;
export type ElegyCode = (typeof CODES)[keyof typeof CODES];

/** tsc prints every diagnostic as "TS<code>": our codes are offset so they cannot clash with TypeScript's. */
export const TS_CODE_OFFSET = 990000;

const allowed = (kind: StepKind) => STEP_INJECTABLES[kind].join(", ");

export const messages = {
  unknownInjectable: (name: string, kind: StepKind, where: string, suggestion: string | undefined, custom: readonly string[]) =>
    `Unknown injectable '${name}' in @${kind} ${where}.` +
    (suggestion ? ` Did you mean '${suggestion}'?` : "") +
    ` @${kind} may request: ${allowed(kind)}${custom.length ? `; your Injectables: ${custom.join(", ")}` : ""}.` +
    ` To inject your own value, declare '${name}' in the Injectables interface and call model.provide("${name}", value).`,
  notAvailableInStep: (name: string, kind: StepKind, where: string) =>
    `'${name}' is not available in @${kind} ${where}. @${kind} may request: ${allowed(kind)}.`,
  destructured: (index: number, kind: StepKind, where: string) =>
    `Parameter ${index} of @${kind} ${where} is destructured; steps receive their arguments by parameter name. Give it a plain name (e.g. states) and destructure inside the method.`,
  rest: (name: string, kind: StepKind, where: string) =>
    `Parameter '...${name}' of @${kind} ${where} is a rest parameter; steps receive their arguments by parameter name. List each injectable as its own parameter.`,
  wrongType: (name: string, kind: StepKind, where: string, declared: string, expected: string) =>
    `'${name}' in @${kind} ${where} is declared as ${declared}, but elegy-ts injects ${expected}. Declare it as ${expected}.`,
  notAMethod: (kind: StepKind, where: string, what: string) =>
    `@${kind} cannot decorate ${what} ${where}: steps are instance methods.`,
  duplicateStep: (kind: StepKind, className: string, first: string, second: string) =>
    `${className} overrides @${kind} twice: in '${first}' and in '${second}'. Keep one @${kind} per class.`,
};
