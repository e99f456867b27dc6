// Return types of step methods, reduced to what the step-kind rules care about (ReturnInfo):
// tuples and their slots, arrays, promises, and whether a value can be elegy-ts's States.
import { MethodDeclaration, Node, ReturnStatement } from "ts-morph";
import ts from "typescript";
import { AnalysisContext, locationOf } from "./context";
import { ReturnInfo, ReturnShape, ReturnSlot, StatesFit } from "./step-info";

const OPAQUE = ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never;
const GENERIC = ts.TypeFlags.TypeParameter | ts.TypeFlags.IndexedAccess | ts.TypeFlags.Conditional | ts.TypeFlags.Substitution;

/** What return types are judged against: the checker, and elegy-ts's States (when the program has it). */
interface Judge {
  context: AnalysisContext;
  states: ts.Type | undefined;
}

/** A generic type's constraint (repeatedly); undefined when it has none, i.e. it cannot be judged. */
function constrained(type: ts.Type, checker: ts.TypeChecker): ts.Type | undefined {
  for (let hops = 0; hops < 8 && type.flags & GENERIC; hops++) {
    const constraint = checker.getBaseConstraintOfType(type);
    if (!constraint || constraint === type || constraint.flags & ts.TypeFlags.Unknown) return undefined;
    type = constraint;
  }
  return type.flags & GENERIC ? undefined : type;
}

function statesFit(type: ts.Type, judge: Judge): StatesFit {
  const { checker } = judge.context;
  const t = constrained(type, checker);
  if (!t || t.flags & OPAQUE || !judge.states) return "unknown";
  if (checker.isTypeAssignableTo(t, judge.states)) return "yes";
  if (t.isUnion()) {
    // `States | undefined` and the like: judged by its best member (precise, not noisy).
    const fits = t.types.map((member) => statesFit(member, judge));
    return fits.includes("yes") ? "yes" : fits.includes("unknown") ? "unknown" : "no";
  }
  return "no";
}

function slotOf(type: ts.Type, judge: Judge): ReturnSlot {
  return { text: judge.context.checker.typeToString(type), states: statesFit(type, judge) };
}

/**
 * The items of an array type: they may hold a States when States is assignable to them. The
 * array's position information is gone (TypeScript reduces `[scalar, {}, states]` held in a
 * variable to `{}[]`), so only an item type that cannot hold a States at all is judged "no".
 */
function itemOf(type: ts.Type, judge: Judge): ReturnSlot {
  const slot = slotOf(type, judge);
  const { checker } = judge.context;
  const t = constrained(type, checker);
  if (slot.states === "no" && t && judge.states && checker.isTypeAssignableTo(judge.states, t)) return { ...slot, states: "yes" };
  return slot;
}

// Shapes are read from the compiler's types directly: ts-morph's Type has no base constraint
// and no tuple arity, and wrapping each type would add nothing.
function shapesOfType(type: ts.Type, judge: Judge): ReturnShape[] {
  const { checker } = judge.context;
  const t = constrained(type, checker);
  if (!t || t.flags & OPAQUE) return [{ kind: "opaque" }];
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
export function returnInfoOf(method: MethodDeclaration, context: AnalysisContext, states: ts.Type | undefined): ReturnInfo {
  const judge: Judge = { context, states };
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
      const slots = elements.map((element) => slotOf(element.getType().compilerType, judge));
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
