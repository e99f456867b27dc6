// Adds `@Reflect.metadata("<paramNames key>", ["x", "states", …])` to each step method, so
// the legacy decorator emit records the parameter names the runtime injects by. Files with
// no step come back as the same node, so their output is byte-for-byte what tsc emits.
import ts from "typescript";
import { METADATA } from "../src/metadata-keys";
import { StepInfo, findSteps } from "./analyse";

export function metadataTransformer(program: ts.Program): ts.TransformerFactory<ts.SourceFile> {
  const checker = program.getTypeChecker();
  return (context) => (sourceFile) => {
    const steps = findSteps(sourceFile, checker).filter((s) => s.isMethod && !s.isStatic && s.params.every((p) => p.name && !p.rest));
    if (steps.length === 0) return sourceFile;
    const byMember = new Map<ts.Node, StepInfo>(steps.map((s) => [s.member, s]));
    const f = context.factory;
    const visit = (node: ts.Node): ts.Node => {
      const step = byMember.get(ts.getOriginalNode(node));
      if (step && ts.isMethodDeclaration(node)) {
        const names = f.createArrayLiteralExpression(step.params.map((p) => f.createStringLiteral(p.name!)));
        const metadata = f.createDecorator(
          f.createCallExpression(f.createPropertyAccessExpression(f.createIdentifier("Reflect"), "metadata"), undefined, [
            f.createStringLiteral(METADATA.paramNames),
            names,
          ]),
        );
        return f.updateMethodDeclaration(
          node, [...(node.modifiers ?? []), metadata], node.asteriskToken, node.name, node.questionToken,
          node.typeParameters, node.parameters, node.type, node.body,
        );
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitNode(sourceFile, visit) as ts.SourceFile;
  };
}
