// The records the step analysis produces and diagnose.ts / emit-metadata.ts consume: plain
// data (with the compiler nodes they point at), so the diagnostics stay pure and testable
// without a program.
import ts from "typescript";
import type { SlotRole, StepKind } from "../../src/metadata-keys";
import type { Fit } from "../../src/step-items";
import { Location } from "./context";

export type { Location };

/** What the checker says about a parameter's declared (or inferred) type. */
export interface ParamType {
  /** As the checker prints it, e.g. `number`, `boolean | undefined`. */
  text: string;
  /** `boolean` is assignable to it (so `initializing`/`training` can be injected). */
  acceptsBoolean: boolean;
  /** Made only of primitives (number, string, boolean, bigint, symbol, and null/undefined/void), so no Tensor or States fits. */
  primitiveOnly: boolean;
  /** The type annotation, or the parameter when the type is inferred. */
  location: Location;
}

export interface StepParam {
  /** Position among the method's parameters, from 0 (a `this` parameter does not count). */
  index: number;
  /** The parameter's name; undefined when it is destructured (`{ x }` or `[a, b]`). */
  name: string | undefined;
  rest: boolean;
  type: ParamType;
  node: ts.ParameterDeclaration;
  /** For a name the user's Injectables declare: that declaration's type, and whether the parameter's type accepts it. */
  injectable?: { declared: string; fits: boolean };
  /** The parameter's name (or binding pattern). */
  location: Location;
}

export type MemberKind = "method" | "static" | "property" | "accessor";

/**
 * Whether a type can be what a slot needs (a States, a loss, Logs, a tree of tensors): "unknown"
 * for any, unknown, never or an unconstrained type parameter (analyse/slot-fits.ts).
 */
export type StatesFit = Fit;

/** One slot of a returned tuple (or the items of a returned array). */
export interface ReturnSlot {
  /** As the checker prints it. */
  text: string;
  /** What it can be, for each role an item of a step's tuple has (an array's items: only `states` is judged). */
  fits: Readonly<Record<SlotRole, StatesFit>>;
}

/** One alternative of a step's return type, as far as the step-kind rules care. */
export type ReturnShape =
  /** any, unknown, never, an unconstrained type parameter: nothing to judge. */
  | { kind: "opaque" }
  /** Promise-like (has an awaited type of its own). */
  | { kind: "promise" }
  /** A tuple: its slots (the last one is the rest element's type when `rest`), and how many are required. */
  | { kind: "tuple"; slots: ReturnSlot[]; minLength: number; rest: boolean }
  /** An array of unknown length (`T[]`), e.g. the inferred type of `const out = [a, b]; return out;`. */
  | { kind: "array"; item: ReturnSlot }
  /** Anything else: an object, a primitive, void. */
  | { kind: "value"; states: StatesFit };

/** A step method's return type: declared, or inferred from its return statements. */
export interface ReturnInfo {
  /** As printed in messages, e.g. `[Tensor<Rank>, States]`. */
  text: string;
  /** Declared `async` (so it returns a Promise whatever its body does). */
  async: boolean;
  /** Each alternative of a union (or the one type); never empty. */
  shapes: ReturnShape[];
  /** The return type annotation, or the method's name when the type is inferred. */
  location: Location;
}

/** One step method of a class: a member with a step decorator, or an undecorated override of an inherited one. */
export interface StepInfo {
  /** The class's name, as the runtime sees it (`constructor.name`) where it can be known. */
  class: string;
  classNode: ts.ClassLikeDeclaration;
  /** The member's name, as written. */
  method: string;
  member: ts.ClassElement;
  memberKind: MemberKind;
  kind: StepKind;
  /** The step decorator; undefined for an undecorated override of a base class's step (see inheritedFrom). */
  decorator: ts.Decorator | undefined;
  /**
   * Set when the member carries no decorator for this kind but overrides the base class's step
   * method of the same name (`Base.forward`): at run time it is the step, so it is recorded and
   * diagnosed like a decorated one.
   */
  inheritedFrom?: string;
  /** Parameters in order (empty unless memberKind is "method" or "static"). */
  params: StepParam[];
  /** What it returns (methods only). */
  returns?: ReturnInfo;
  /** The decorator, or the member's name for an undecorated override. */
  location: Location;
}
