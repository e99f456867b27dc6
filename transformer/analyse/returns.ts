// Return types of step methods, reduced to what the step-kind rules care about (ReturnInfo):
// tuples and what each slot can be (slot-fits.ts), arrays, promises, and whether a value can be
// elegy-ts's States.
import { MethodDeclaration, Node, ReturnStatement } from "ts-morph";
import ts from "typescript";
import type { SlotRole } from "../../src/metadata-keys";
import { AnalysisContext, locationOf } from "./context";
import { Judge, SlotTypes, constrained, isOpaque, slotFit } from "./slot-fits";
import { ReturnInfo, ReturnShape, ReturnSlot, StatesFit } from "./step-info";

const ROLES: readonly SlotRole[] = ["yPred", "loss", "logs", "states", "grads"];

function statesFit(type: ts.Type, judge: Judge): StatesFit {
  return slotFit(type, "states", judge);
}

/** A tuple item's type, judged for every role it could have (so a swap can be recognised). */
function slotOf(type: ts.Type, judge: Judge): ReturnSlot {
  const fits = Object.fromEntries(ROLES.map((role) => [role, slotFit(type, role, judge)])) as Record<SlotRole, StatesFit>;
  return { text: judge.context.checker.typeToString(type), fits };
}

/**
 * The items of an array type: they may hold a States when States is assignable to them. The
 * array's position information is gone (TypeScript reduces `[scalar, {}, states]` held in a
 * variable to `{}[]`), so only an item type that cannot hold a States at all is judged "no",
 * and the other items are not judged.
 */
function itemOf(type: ts.Type, judge: Judge): ReturnSlot {
  const slot = slotOf(type, judge);
  const { checker } = judge.context;
  const t = constrained(type, checker);
  const { states } = judge.types;
  if (slot.fits.states === "no" && t && states && checker.isTypeAssignableTo(states, t)) return { ...slot, fits: { ...slot.fits, states: "yes" } };
  return slot;
}

// Shapes are read from the compiler's types directly: ts-morph's Type has no base constraint
// and no tuple arity, and wrapping each type would add nothing.
function shapesOfType(type: ts.Type, judge: Judge): ReturnShape[] {
  const { checker } = judge.context;
  const t = constrained(type, checker);
  if (!t || isOpaque(t)) return [{ kind: "opaque" }];
  if (t.isUnion() && !(t.flags & ts.TypeFlags.Boolean)) return t.types.flatMap((member) => shapesOfType(member, judge));
  if (checker.isTupleType(t)) {
    const reference = t as ts.TypeReference;
    const target = reference.target as ts.TupleType;
    const elements = checker.getTypeArguments(reference).slice(0, target.elementFlags.length);
    return [{ kind: "tuple", slots: elements.map((element) => slotOf(element, judge)), minLength: target.minLength, rest: target.hasRestElement }];
  }
  if (checker.isArrayType(t)) return [{ kind: "array", item: itemOf(checker.getTypeArguments(t as ts.TypeReference)[0], judge) }];
  const awaited = checker.getAwaitedType(t);
  if (awaited !== undefined && awaited !== t) return [{ kind: "promise" }];
  return [{ kind: "value", states: statesFit(t, judge) }];
}

/** The `return` statements of a method body, not those of functions or classes nested in it. */
function returnStatements(method: MethodDeclaration): ReturnStatement[] {
  const found: ReturnStatement[] = [];
  method.getBody()?.forEachDescendant((node, traversal) => {
    if (Node.isReturnStatement(node)) found.push(node);
    if (Node.isFunctionLikeDeclaration(node) || Node.isClassExpression(node) || Node.isClassDeclaration(node)) traversal.skip();
  });
  return found;
}

/**
 * A method's return type as the step rules see it. A declared type is taken as declared. An
 * inferred one is read from the return statements, because TypeScript infers `return [a, b]`
 * as an array `(A | B)[]`: each array literal counts as the tuple it spells.
 */
export function returnInfoOf(method: MethodDeclaration, context: AnalysisContext, types: SlotTypes): ReturnInfo {
  const judge: Judge = { context, types };
  const declaredOrInferred = method.getReturnType().compilerType;
  const location = locationOf(method.getReturnTypeNode() ?? method.getNameNode());
  const async = method.isAsync();
  const whole = (): ReturnInfo => ({ text: context.checker.typeToString(declaredOrInferred), async, shapes: shapesOfType(declaredOrInferred, judge), location });
  if (method.getReturnTypeNode() || async || !method.hasBody()) return whole();
  const texts: string[] = [];
  const shapes: ReturnShape[] = [];
  for (const statement of returnStatements(method)) {
    let expression: Node | undefined = statement.getExpression();
    if (!expression) continue;
    while (Node.isParenthesizedExpression(expression)) expression = expression.getExpression();
    const elements = Node.isArrayLiteralExpression(expression) ? expression.getElements() : undefined;
    if (elements && !elements.some(Node.isSpreadElement)) {
      // `0` reads as number, as TypeScript itself would widen it.
      const slots = elements.map((element) => slotOf(context.checker.getBaseTypeOfLiteralType(element.getType().compilerType), judge));
      texts.push(`[${slots.map((slot) => slot.text).join(", ")}]`);
      shapes.push({ kind: "tuple", slots, minLength: slots.length, rest: false });
    } else {
      const type = expression.getType().compilerType;
      texts.push(context.checker.typeToString(type));
      shapes.push(...shapesOfType(type, judge));
    }
  }
  if (shapes.length === 0) return whole();
  return { text: [...new Set(texts)].join(" | "), async, shapes, location };
}
