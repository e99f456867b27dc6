// What a type can be, for ELEGY1007: a States, a loss (a Tensor), Logs, or a tree of tensors
// (yPred, grads). Precise, not noisy: any, unknown, never and unconstrained generics are
// "unknown"; a union fits when one member does; only a type none of whose members can be
// the item is "no". The run-time twin judges values by the same roles (src/model/step-results.ts).
import ts from "typescript";
import type { SlotRole } from "../../src/metadata-keys";
import type { Fit } from "../../src/step-items";
import { AnalysisContext } from "./context";

const OPAQUE = ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never;
const GENERIC = ts.TypeFlags.TypeParameter | ts.TypeFlags.IndexedAccess | ts.TypeFlags.Conditional | ts.TypeFlags.Substitution;
const PRIMITIVE =
  ts.TypeFlags.StringLike | ts.TypeFlags.NumberLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.ESSymbolLike |
  ts.TypeFlags.Void | ts.TypeFlags.Undefined | ts.TypeFlags.Null;
/** Nested objects and arrays deeper than this are not walked (recursive types end here too). */
const MAX_DEPTH = 6;

/** elegy-ts's own types, as the program sees them; a missing one leaves its judgements "unknown". */
export interface SlotTypes {
  states?: ts.Type;
  /** tf.Tensor (of any rank). */
  tensor?: ts.Type;
  logs?: ts.Type;
  logValue?: ts.Type;
  tensorTree?: ts.Type;
}

/** What types are judged with: the checker, and elegy-ts's types. */
export interface Judge {
  context: AnalysisContext;
  types: SlotTypes;
}

/** A generic type's constraint (repeatedly); undefined when it has none, i.e. it cannot be judged. */
export function constrained(type: ts.Type, checker: ts.TypeChecker): ts.Type | undefined {
  for (let hops = 0; hops < 8 && type.flags & GENERIC; hops++) {
    const constraint = checker.getBaseConstraintOfType(type);
    if (!constraint || constraint === type || constraint.flags & ts.TypeFlags.Unknown) return undefined;
    type = constraint;
  }
  return type.flags & GENERIC ? undefined : type;
}

export function isOpaque(type: ts.Type): boolean {
  return (type.flags & OPAQUE) !== 0;
}

/** The best of several judgements: one "yes" is enough (a union's members). */
function best(fits: readonly Fit[]): Fit {
  return fits.includes("yes") ? "yes" : fits.includes("unknown") ? "unknown" : "no";
}

/** The worst of several judgements: one "no" is enough (an object's properties, a tuple's elements). */
function worst(fits: readonly Fit[]): Fit {
  return fits.includes("no") ? "no" : fits.includes("unknown") ? "unknown" : "yes";
}

/**
 * `rule` applied to a type: generics by their constraint; any/unknown/never (and a type elegy-ts
 * did not give, `target` undefined) are "unknown"; a States is "no" (unless a States is wanted:
 * its `[field: string]: any` would make it assignable to Logs and trees); assignable to `target`
 * is "yes"; a union is judged by its best member; anything else by `rule`.
 */
function judged(type: ts.Type, judge: Judge, target: ts.Type | undefined, rule: (t: ts.Type) => Fit): Fit {
  const { checker } = judge.context;
  const t = constrained(type, checker);
  if (!t || isOpaque(t) || !target) return "unknown";
  if (target !== judge.types.states && assignable(t, judge.types.states, judge)) return "no";
  if (checker.isTypeAssignableTo(t, target)) return "yes";
  if (t.isUnion()) return best(t.types.map((member) => judged(member, judge, target, rule)));
  return rule(t);
}

function assignable(t: ts.Type, target: ts.Type | undefined, judge: Judge): boolean {
  return target !== undefined && judge.context.checker.isTypeAssignableTo(t, target);
}

/**
 * A Tensor: elegy-ts's, or one of another copy of tfjs-core in the user's project, whose class
 * TypeScript will not assign to ours (it has private members) — told by the members every
 * tfjs Tensor has.
 */
function isTensorLike(t: ts.Type, judge: Judge): boolean {
  if (assignable(t, judge.types.tensor, judge)) return true;
  return TENSOR_MEMBERS.every((name) => t.getProperty(name) !== undefined);
}
const TENSOR_MEMBERS = ["shape", "dtype", "rank", "size", "dataSync", "dispose"];

/** An object type that may be a plain object (an interface, a literal's type): not an array, a function, a Tensor or a States. */
function isRecordLike(t: ts.Type, judge: Judge): boolean {
  const { checker } = judge.context;
  if (t.flags & PRIMITIVE || !(t.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection | ts.TypeFlags.NonPrimitive))) return false;
  if (checker.isArrayLikeType(t) || t.getCallSignatures().length > 0 || t.getConstructSignatures().length > 0) return false;
  return !isTensorLike(t, judge) && !assignable(t, judge.types.states, judge);
}

/** Every property's (and string index's) judgement, the worst of them: an object is only as good as its worst value. */
function values(t: ts.Type, judge: Judge, value: (v: ts.Type) => Fit): Fit {
  const { checker } = judge.context;
  const fits = checker.getPropertiesOfType(t).map((property) => value(checker.getTypeOfSymbol(property)));
  const index = checker.getIndexInfoOfType(t, ts.IndexKind.String);
  if (index) fits.push(value(index.type));
  return worst(fits);
}

/** A Tensor, or a nested object/array of them (undefined and null allowed, as in TensorTree). */
function treeFit(type: ts.Type, judge: Judge, depth: number): Fit {
  return judged(type, judge, judge.types.tensorTree, (t) => {
    const { checker } = judge.context;
    if (depth >= MAX_DEPTH) return "unknown";
    if (t.flags & PRIMITIVE) return "no";
    if (isTensorLike(t, judge)) return "yes";
    if (checker.isTupleType(t) || checker.isArrayType(t)) {
      const elements = checker.getTypeArguments(t as ts.TypeReference);
      const count = checker.isTupleType(t) ? ((t as ts.TypeReference).target as ts.TupleType).elementFlags.length : 1;
      return worst(elements.slice(0, count).map((element) => treeFit(element, judge, depth + 1)));
    }
    if (!isRecordLike(t, judge)) return "no";
    return values(t, judge, (v) => treeFit(v, judge, depth + 1));
  });
}

/** A plain object whose values are numbers or Tensors (the run time also wants each Tensor to hold one value). */
function logsFit(type: ts.Type, judge: Judge): Fit {
  return judged(type, judge, judge.types.logs, (t) => {
    if (!isRecordLike(t, judge)) return "no";
    return values(t, judge, (v) => judged(v, judge, judge.types.logValue, (value) => (isTensorLike(value, judge) ? "yes" : "no")));
  });
}

/** Whether `type` can be the item of `role` of a step's tuple. */
export function slotFit(type: ts.Type, role: SlotRole, judge: Judge): Fit {
  switch (role) {
    case "states":
      return judged(type, judge, judge.types.states, () => "no");
    case "loss":
      // A Tensor of any rank: whether it holds one value is known only at run time.
      return judged(type, judge, judge.types.tensor, (t) => (isTensorLike(t, judge) ? "yes" : "no"));
    case "logs":
      return logsFit(type, judge);
    case "yPred":
    case "grads":
      return treeFit(type, judge, 0);
  }
}
