// StepInfo → `@Reflect.metadata("<METADATA.paramNames>", ["x", "states", …])` on each step
// method, placed after the method's own decorators so the legacy decorator emit applies it
// first: by the time @predStep & co. run, the names are recorded. Files without a step come
// back as the very same node, so their output is byte for byte what tsc emits.
import ts from "typescript";
import { METADATA } from "../src/metadata-keys";
import { ProgramAnalysis, StepInfo } from "./analyse";

/**
 * The parameter names to record for a step method, or undefined when none can be recorded
 * (not an instance method, or a destructured/rest parameter: those are ELEGY errors).
 */
export function recordedParamNames(step: StepInfo): string[] | undefined {
  if (step.memberKind !== "method") return undefined;
  const names: string[] = [];
  for (const param of step.params) {
    if (param.name === undefined || param.rest) return undefined;
    names.push(param.name);
  }
  return names;
}

function metadataDecorator(factory: ts.NodeFactory, names: readonly string[]): ts.Decorator {
  return factory.createDecorator(
    factory.createCallExpression(factory.createPropertyAccessExpression(factory.createIdentifier("Reflect"), "metadata"), undefined, [
      factory.createStringLiteral(METADATA.paramNames),
      factory.createArrayLiteralExpression(names.map((name) => factory.createStringLiteral(name))),
    ]),
  );
}

/** A `before` transformer adding the parameter-name metadata of the steps found by `analysis`. */
export function metadataTransformer(analysis: ProgramAnalysis): ts.TransformerFactory<ts.SourceFile> {
  return (context) => (sourceFile) => {
    const steps = analysis.stepsByFile.get(ts.getOriginalNode(sourceFile) as ts.SourceFile);
    if (!steps) return sourceFile;
    const namesByMember = new Map<ts.Node, string[]>();
    for (const step of steps) {
      const names = recordedParamNames(step);
      if (names) namesByMember.set(step.member, names);
    }
    if (namesByMember.size === 0) return sourceFile;
    const factory = context.factory;
    const visit = (node: ts.Node): ts.Node => {
      const names = ts.isMethodDeclaration(node) ? namesByMember.get(ts.getOriginalNode(node)) : undefined;
      if (names && ts.isMethodDeclaration(node)) {
        const modifiers = [...(node.modifiers ?? [])];
        // Right after the last decorator (decorators come before keywords such as `async`).
        let at = 0;
        modifiers.forEach((m, i) => {
          if (ts.isDecorator(m)) at = i + 1;
        });
        modifiers.splice(at, 0, metadataDecorator(factory, names));
        return factory.updateMethodDeclaration(
          node,
          modifiers,
          node.asteriskToken,
          node.name,
          node.questionToken,
          node.typeParameters,
          node.parameters,
          node.type,
          ts.visitEachChild(node.body, visit, context),
        );
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitEachChild(sourceFile, visit, context);
  };
}
