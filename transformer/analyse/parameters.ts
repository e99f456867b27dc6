// Parameters of a step method: their names (what is injected by), and what the checker says
// about their declared types (what diagnose.ts judges against the injectables table).
import { MethodDeclaration, Node, ParameterDeclaration, TypeFlags } from "ts-morph";
import { AnalysisContext, locationOf } from "./context";
import { DeclaredInjectable } from "./injectables";
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

/**
 * A method's parameters in order; a `this` parameter does not count. A parameter named like
 * one of `injectables` is checked against its declaration: the declared type must be
 * assignable to the parameter's (what provide() accepts is what the step receives).
 */
export function paramsOf(member: Node, context: AnalysisContext, injectables: ReadonlyMap<string, DeclaredInjectable>): StepParam[] {
  if (!Node.isMethodDeclaration(member)) return [];
  return (member as MethodDeclaration)
    .getParameters()
    .filter((p) => p.getName() !== "this")
    .map((node, index) => {
      const nameNode = node.getNameNode();
      const name = Node.isIdentifier(nameNode) ? nameNode.getText() : undefined;
      const declared = name !== undefined ? injectables.get(name) : undefined;
      const type = node.getType();
      return {
        index,
        name,
        rest: node.isRestParameter(),
        type: paramTypeOf(node, context),
        node: node.compilerNode,
        ...(declared ? { injectable: { declared: declared.text, fits: context.checker.isTypeAssignableTo(declared.type, type.compilerType) } } : {}),
        location: locationOf(nameNode),
      };
    });
}
