// Parameters of a step method: their names (what is injected by), and what the checker says
// about their declared types (what diagnose.ts judges against the injectables table).
import { MethodDeclaration, Node, ParameterDeclaration, TypeFlags } from "ts-morph";
import { AnalysisContext, locationOf } from "./context";
import { ParamType, StepParam } from "./step-info";

const PRIMITIVE = TypeFlags.NumberLike | TypeFlags.StringLike | TypeFlags.BigIntLike | TypeFlags.BooleanLike | TypeFlags.ESSymbolLike;
const NOTHING = TypeFlags.Undefined | TypeFlags.Null | TypeFlags.Void;

function paramTypeOf(param: ParameterDeclaration, context: AnalysisContext): ParamType {
  const type = param.getType();
  const parts = type.isUnion() ? type.getUnionTypes() : [type];
  const primitiveOnly = parts.every((t) => (t.getFlags() & (PRIMITIVE | NOTHING)) !== 0) && parts.some((t) => (t.getFlags() & PRIMITIVE) !== 0);
  const { checker } = context;
  return {
    text: checker.typeToString(type.compilerType),
    acceptsBoolean: checker.isTypeAssignableTo(checker.getBooleanType(), type.compilerType),
    primitiveOnly,
    location: locationOf(param.getTypeNode() ?? param.getNameNode()),
  };
}

/** A method's parameters in order; a `this` parameter does not count. */
export function paramsOf(member: Node, context: AnalysisContext): StepParam[] {
  if (!Node.isMethodDeclaration(member)) return [];
  return (member as MethodDeclaration)
    .getParameters()
    .filter((p) => p.getName() !== "this")
    .map((node, index) => {
      const name = node.getNameNode();
      return {
        index,
        name: Node.isIdentifier(name) ? name.getText() : undefined,
        rest: node.isRestParameter(),
        type: paramTypeOf(node, context),
        node: node.compilerNode,
        location: locationOf(name),
      };
    });
}
