// The one contract between build time (transformer/) and run time (src/).
// Both sides import these constants, so neither spells a key or a step name by hand.
// This file must stay free of runtime dependencies (no tfjs, no tsyringe): the
// transformer loads it inside the TypeScript compiler.

/** The five kinds of step a model can override, in the order of the default chain. */
export const STEP_KINDS = ["initStep", "trainStep", "gradStep", "testStep", "predStep"] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** How the transformer judges a parameter's declared type against what is injected (ELEGY1004). */
export type InjectedKind =
  /** A boolean: the declared type must accept `boolean`. */
  | "boolean"
  /** Tensors, a tree of them, or States: the declared type must not be made of primitives only. */
  | "object";

export interface BuiltinInjectableInfo {
  /** What it is, for the docs. */
  readonly meaning: string;
  /** What elegy-ts injects, as said in messages. */
  readonly injects: string;
  /** The type to declare it as, as said in messages. */
  readonly declareAs: string;
  readonly kind: InjectedKind;
}

/**
 * The built-in injectables. This one table drives the transformer's diagnostics (names,
 * types), the runtime injector (which names are built in) and the docs (a test holds
 * docs/compile-time-checks.md to it).
 */
export const BUILTIN_INJECTABLES = {
  x: {
    meaning: "input batch",
    injects: "a Tensor or a nested object/array of Tensors",
    declareAs: "tf.Tensor (or a nested object/array of Tensors)",
    kind: "object",
  },
  yTrue: {
    meaning: "target batch",
    injects: "a Tensor, a nested object/array of Tensors, or undefined",
    declareAs: "tf.Tensor (or a nested object/array of Tensors)",
    kind: "object",
  },
  sampleWeight: { meaning: "weight of each sample, shape [batch]", injects: "a Tensor or undefined", declareAs: "tf.Tensor | undefined", kind: "object" },
  classWeight: { meaning: "weight of each class, shape [numClasses]", injects: "a Tensor or undefined", declareAs: "tf.Tensor | undefined", kind: "object" },
  states: { meaning: "the model's current state", injects: "States", declareAs: "States", kind: "object" },
  initializing: { meaning: "true while the model initializes", injects: "a boolean", declareAs: "boolean", kind: "boolean" },
  training: { meaning: "true in fit, false in evaluate and predict", injects: "a boolean", declareAs: "boolean", kind: "boolean" },
} as const satisfies Record<string, BuiltinInjectableInfo>;
export type BuiltinInjectable = keyof typeof BUILTIN_INJECTABLES;
export const BUILTIN_INJECTABLE_NAMES = Object.keys(BUILTIN_INJECTABLES) as BuiltinInjectable[];

export function isBuiltinInjectable(name: string): name is BuiltinInjectable {
  return Object.prototype.hasOwnProperty.call(BUILTIN_INJECTABLES, name);
}

/** Which built-in injectables each step may request. */
export const STEP_INJECTABLES: Readonly<Record<StepKind, readonly BuiltinInjectable[]>> = {
  predStep: ["x", "states", "initializing", "training"],
  testStep: BUILTIN_INJECTABLE_NAMES,
  gradStep: BUILTIN_INJECTABLE_NAMES,
  trainStep: BUILTIN_INJECTABLE_NAMES,
  initStep: ["x", "yTrue", "sampleWeight", "classWeight", "states"],
};

/** What each step must return, for diagnostics and runtime checks. */
export const STEP_RETURNS: Readonly<Record<StepKind, string>> = {
  predStep: "[yPred, States]",
  testStep: "[loss: Scalar, logs: Logs, States]",
  gradStep: "[loss, logs, States, grads]",
  trainStep: "[logs, States]",
  initStep: "States",
};

/** What one item of a step's tuple is (named as in STEP_RETURNS, and as messages suggest the order: `return [loss, logs, states]`). */
export type SlotRole = "yPred" | "loss" | "logs" | "states" | "grads";
export type TupleKind = Exclude<StepKind, "initStep">;

/**
 * The tuples behind STEP_RETURNS, item by item. Both ELEGY1007 (each item's type) and the
 * run-time check of what a step returned (each item's value) judge every item by its role.
 */
export const STEP_SLOTS: Readonly<Record<TupleKind, readonly SlotRole[]>> = {
  predStep: ["yPred", "states"],
  testStep: ["loss", "logs", "states"],
  gradStep: ["loss", "logs", "states", "grads"],
  trainStep: ["logs", "states"],
};

/** How many items each tuple-returning step returns, and the position (from 0) of its States. */
export const STEP_TUPLES = Object.fromEntries(
  Object.entries(STEP_SLOTS).map(([kind, roles]) => [kind, { items: roles.length, states: roles.indexOf("states") }]),
) as Readonly<Record<TupleKind, { items: number; states: number }>>;

/** reflect-metadata keys. Namespaced so they never collide with a user's own metadata. */
export const METADATA = {
  /** On a step method (target = prototype, propertyKey = method): its parameter names, in order. */
  paramNames: "elegy-ts:step:param-names",
  /**
   * On a step method whose names cannot be recorded (ELEGY1003): `UnnamedParameter`, the first
   * parameter without a name to inject by, so that running it says why rather than "not compiled".
   */
  unnamedParameter: "elegy-ts:step:unnamed-parameter",
  /**
   * On a step method: those of its parameter names that the user's Injectables interface
   * declares (only when there are some), so that a missing value is reported as "declared
   * but not provided" rather than as an unknown name.
   */
  declaredInjectables: "elegy-ts:step:declared-injectables",
  /** On a class prototype: Partial<Record<StepKind, string>> mapping step kind → method name. */
  steps: "elegy-ts:class:steps",
  /** On a class constructor: the options given to @trainer. */
  trainer: "elegy-ts:class:trainer",
} as const;

/** METADATA.unnamedParameter's value: position from 1, and a rest parameter's name. */
export interface UnnamedParameter {
  readonly position: number;
  readonly rest?: string;
}

/** The module specifier users import the decorators from; the transformer resolves symbols against it. */
export const PACKAGE_NAME = "elegy-ts";
