// StepInfo → `@Reflect.metadata("<METADATA.paramNames>", ["x", "states", …])` on each step
// method (or, for a parameter without a name, ELEGY1003, `METADATA.unnamedParameter` naming it), placed after the method's own decorators so the legacy decorator emit applies it
// first: by the time @predStep & co. run, the names are recorded. Files without a step come
// back as the very same node, so their output is byte for byte what tsc emits.
//
// An undecorated override of an inherited step gets no decorator: a decorator would make tsc
// emit design:paramtypes for it, naming imports that the checker saw only in type positions
// and elided (a ReferenceError at load). Its names are recorded by a class static block,
// `static { Reflect.defineMetadata("<key>", [...], this.prototype, "method"); }`, instead.
import ts from "typescript";
import { METADATA, UnnamedParameter, isBuiltinInjectable } from "../src/metadata-keys";
import type { ProgramAnalysis, StepInfo } from "./analyse";

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

/** A step method's first parameter without a name to inject by (ELEGY1003), recorded in its place so the run says why. */
export function unnamedParameter(step: StepInfo): UnnamedParameter | undefined {
  if (step.memberKind !== "method") return undefined;
  const param = step.params.find((p) => p.name === undefined || p.rest);
  if (!param) return undefined;
  return param.rest && param.name !== undefined ? { position: param.index + 1, rest: param.name } : { position: param.index + 1 };
}

/** One metadata entry of a step method. */
type MetadataRecord = { key: string; value: readonly string[] | UnnamedParameter };

/**
 * What a step method gets recorded: its names (and those of them the user's Injectables
 * declare, when there are some), or (ELEGY1003) the parameter that has none.
 */
function recordsFor(step: StepInfo, declared: ReadonlySet<string>): MetadataRecord[] {
  const names = recordedParamNames(step);
  if (names) {
    const own = names.filter((name) => declared.has(name) && !isBuiltinInjectable(name));
    return [{ key: METADATA.paramNames, value: names }, ...(own.length > 0 ? [{ key: METADATA.declaredInjectables, value: own }] : [])];
  }
  const unnamed = unnamedParameter(step);
  return unnamed ? [{ key: METADATA.unnamedParameter, value: unnamed }] : [];
}

function literal(factory: ts.NodeFactory, value: MetadataRecord["value"]): ts.Expression {
  if (Array.isArray(value)) return factory.createArrayLiteralExpression(value.map((name) => factory.createStringLiteral(name)));
  const { position, rest } = value as UnnamedParameter;
  return factory.createObjectLiteralExpression([
    factory.createPropertyAssignment("position", factory.createNumericLiteral(position)),
    ...(rest !== undefined ? [factory.createPropertyAssignment("rest", factory.createStringLiteral(rest))] : []),
  ]);
}

function metadataDecorator(factory: ts.NodeFactory, record: MetadataRecord): ts.Decorator {
  return factory.createDecorator(
    factory.createCallExpression(factory.createPropertyAccessExpression(factory.createIdentifier("Reflect"), "metadata"), undefined, [
      factory.createStringLiteral(record.key),
      literal(factory, record.value),
    ]),
  );
}

function defineMetadataBlock(factory: ts.NodeFactory, entries: readonly { method: string; records: MetadataRecord[] }[]): ts.ClassStaticBlockDeclaration {
  const statements = entries.flatMap(({ method, records }) => records.map((record) =>
    factory.createExpressionStatement(
      factory.createCallExpression(factory.createPropertyAccessExpression(factory.createIdentifier("Reflect"), "defineMetadata"), undefined, [
        factory.createStringLiteral(record.key),
        literal(factory, record.value),
        factory.createPropertyAccessExpression(factory.createThis(), "prototype"),
        factory.createStringLiteral(method),
      ]),
    ),
  ));
  return factory.createClassStaticBlockDeclaration(factory.createBlock(statements, true));
}

function hasDecorators(member: ts.ClassElement): boolean {
  return ts.canHaveDecorators(member) && (ts.getDecorators(member)?.length ?? 0) > 0;
}

/**
 * A `before` transformer adding the parameter-name metadata of the steps found by `analysis`.
 * With standard (TC39) decorators — `experimentalDecorators` off — every step's names go in a
 * static block: a standard decorator is called with (value, context), which Reflect.metadata's
 * decorators cannot take.
 */
export function metadataTransformer(analysis: ProgramAnalysis, options: ts.CompilerOptions = { experimentalDecorators: true }): ts.TransformerFactory<ts.SourceFile> {
  const legacy = options.experimentalDecorators === true;
  const declared = new Set(analysis.injectables.map((i) => i.name));
  return (context) => (sourceFile) => {
    const steps = analysis.stepsByFile.get(ts.getOriginalNode(sourceFile) as ts.SourceFile);
    if (!steps) return sourceFile;
    /** Decorated members: names go in decorators beside theirs. */
    const recordByMember = new Map<ts.Node, MetadataRecord[]>();
    /** Undecorated overrides, per class: names go in a static block. */
    const blocksByClass = new Map<ts.Node, { method: string; records: MetadataRecord[] }[]>();
    for (const step of steps) {
      const records = recordsFor(step, declared);
      if (records.length === 0) continue;
      if (legacy && hasDecorators(step.member)) {
        recordByMember.set(step.member, records);
      } else {
        const entries = blocksByClass.get(step.classNode) ?? [];
        if (!entries.some((e) => e.method === step.method)) entries.push({ method: step.method, records });
        blocksByClass.set(step.classNode, entries);
      }
    }
    if (recordByMember.size === 0 && blocksByClass.size === 0) return sourceFile;
    const factory = context.factory;
    const visit = (node: ts.Node): ts.Node => {
      const record = ts.isMethodDeclaration(node) ? recordByMember.get(ts.getOriginalNode(node)) : undefined;
      if (record && ts.isMethodDeclaration(node)) {
        const modifiers = [...(node.modifiers ?? [])];
        // Right after the last decorator (decorators come before keywords such as `async`).
        let at = 0;
        modifiers.forEach((m, i) => {
          if (ts.isDecorator(m)) at = i + 1;
        });
        modifiers.splice(at, 0, ...record.map((r) => metadataDecorator(factory, r)));
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
      const entries = ts.isClassLike(node) ? blocksByClass.get(ts.getOriginalNode(node)) : undefined;
      if (entries && (ts.isClassDeclaration(node) || ts.isClassExpression(node))) {
        const visited = ts.visitEachChild(node, visit, context);
        const members = [...visited.members, defineMetadataBlock(factory, entries)];
        return ts.isClassDeclaration(visited)
          ? factory.updateClassDeclaration(visited, visited.modifiers, visited.name, visited.typeParameters, visited.heritageClauses, members)
          : factory.updateClassExpression(visited as ts.ClassExpression, visited.modifiers, visited.name, visited.typeParameters, visited.heritageClauses, members);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitEachChild(sourceFile, visit, context);
  };
}
