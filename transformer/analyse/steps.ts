// Class steps: the step methods of a file's classes — members whose decorator resolves to one
// of elegy-ts's step decorators (package.ts), and undecorated overrides of a step method a base
// class registered — as StepInfo records, with their parameters and return types read once,
// so diagnose.ts stays pure.
import { ClassDeclaration, ClassExpression, Decorator, Node, SourceFile, SyntaxKind } from "ts-morph";
import ts from "typescript";
import { StepKind } from "../../src/metadata-keys";
import { AnalysisContext, locationOf } from "./context";
import { DeclaredInjectable } from "./injectables";
import { resolveDecorator } from "./package";
import { paramsOf } from "./parameters";
import { returnInfoOf } from "./returns";
import { SlotTypes } from "./slot-fits";
import { MemberKind, StepInfo } from "./step-info";

type ClassNode = ClassDeclaration | ClassExpression;

function isClass(node: Node | undefined): node is ClassNode {
  return Node.isClassDeclaration(node) || Node.isClassExpression(node);
}

/** The class's name as the runtime sees it (`constructor.name`). */
function classNameOf(node: ClassNode): string {
  const name = node.getName();
  if (name !== undefined) return name;
  // `const Foo = class { … }` is named Foo at run time.
  const parent = node.getParent();
  if (Node.isVariableDeclaration(parent) && Node.isIdentifier(parent.getNameNode())) return parent.getName();
  return "(anonymous class)";
}

/** A member's name as written: the text of an identifier or literal, else the source (`[key]`). */
function memberNameOf(member: Node): string {
  const name = (member.compilerNode as ts.ClassElement).name;
  if (!name) return "(unnamed member)";
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return name.getText(member.getSourceFile().compilerNode);
}

function nameNodeOf(member: Node): Node | undefined {
  return (member as Node<ts.ClassElement>).getNodeProperty("name") as Node | undefined;
}

function memberKindOf(member: Node): MemberKind {
  if (Node.isStaticable(member) && member.isStatic()) return "static";
  if (Node.isMethodDeclaration(member)) return "method";
  if (Node.isGetAccessorDeclaration(member) || Node.isSetAccessorDeclaration(member)) return "accessor";
  return "property";
}

/** Members as written in the class body (ts-morph's getMembers() adds parameter properties and drops overloads). */
function membersOf(node: ClassNode): Node[] {
  return node.getNodeProperty("members") as Node[];
}

/** Instance methods with a body: the only members the runtime registers as steps (TS rejects decorators on the others). */
function isImplementedInstanceMethod(member: Node): boolean {
  return Node.isMethodDeclaration(member) && member.hasBody() && memberKindOf(member) === "method";
}

function stepDecorators(member: Node, context: AnalysisContext): { decorator: Decorator; kind: StepKind }[] {
  if (!Node.isDecoratable(member)) return [];
  const found: { decorator: Decorator; kind: StepKind }[] = [];
  for (const decorator of member.getDecorators()) {
    const kind = resolveDecorator(decorator.getExpression(), (symbol) => context.elegy.steps.get(symbol));
    if (kind) found.push({ decorator, kind });
  }
  return found;
}

/** The class a class extends, when the checker can see its declaration. */
function baseClassOf(node: ClassNode): ClassNode | undefined {
  const expression = node.getExtends();
  if (!expression) return undefined;
  return expression.getType().getSymbol()?.getDeclarations().find(isClass);
}

/** A step method of a class as the runtime's step table has it: the method's name and the class that registered it. */
interface TableEntry {
  method: string;
  className: string;
}
type StepTable = ReadonlyMap<StepKind, TableEntry>;

/**
 * The step table the runtime builds for instances of a class (src/decorators.ts): the base
 * class's, with this class's own decorated methods layered over it. Bases declared in .d.ts
 * files carry no decorators, so they contribute nothing (the runtime then explains).
 * Cached by compiler node: a base class reached from two files is one class.
 */
function stepTableOf(node: ClassNode, context: AnalysisContext, cache: Map<ts.Node, StepTable>, depth = 0): StepTable {
  const cached = cache.get(node.compilerNode);
  if (cached) return cached;
  cache.set(node.compilerNode, new Map()); // a cycle (an error TS reports) ends here
  const base = depth < 32 ? baseClassOf(node) : undefined;
  const table = new Map(base ? stepTableOf(base, context, cache, depth + 1) : []);
  const own = new Set<StepKind>();
  for (const member of membersOf(node)) {
    if (!isImplementedInstanceMethod(member)) continue;
    for (const { kind } of stepDecorators(member, context)) {
      if (own.has(kind)) continue; // ELEGY1006; the runtime keeps the first as well (and throws)
      own.add(kind);
      table.set(kind, { method: memberNameOf(member), className: classNameOf(node) });
    }
  }
  cache.set(node.compilerNode, table);
  return table;
}

/**
 * The method of a class that overrides the inherited method `name`. Only methods: TypeScript
 * itself rejects a property or accessor that overrides a method (TS2425, TS2423).
 */
function overridingMethod(node: ClassNode, name: string): Node | undefined {
  return membersOf(node).find((member) => isImplementedInstanceMethod(member) && memberNameOf(member) === name);
}

/** What steps are judged against. */
export interface StepJudge {
  /** elegy-ts's States, Tensor, Logs…, to judge return types by (ELEGY1007); a type missing leaves its slots unjudged. */
  types: SlotTypes;
  /** The user's Injectables by name, to judge parameters named like them by (ELEGY1008). */
  injectables: ReadonlyMap<string, DeclaredInjectable>;
}

/** The step methods of a file's classes, in source order (per class: decorated members, then undecorated overrides). */
export function findSteps(file: SourceFile, context: AnalysisContext, judge: StepJudge, tables: Map<ts.Node, StepTable>): StepInfo[] {
  const steps: StepInfo[] = [];
  const info = (node: ClassNode, member: Node, kind: StepKind, decorator: Decorator | undefined, inheritedFrom?: string): StepInfo => ({
    class: classNameOf(node),
    classNode: node.compilerNode,
    method: memberNameOf(member),
    member: member.compilerNode as ts.ClassElement,
    memberKind: memberKindOf(member),
    kind,
    decorator: decorator?.compilerNode,
    ...(inheritedFrom !== undefined ? { inheritedFrom } : {}),
    params: paramsOf(member, context, judge.injectables),
    ...(Node.isMethodDeclaration(member) ? { returns: returnInfoOf(member, context, judge.types) } : {}),
    location: locationOf(decorator ?? nameNodeOf(member) ?? member),
  });
  // Only the classes are wrapped (wrapping every node of a file would cost more than the analysis).
  const classes: ClassNode[] = [...file.getDescendantsOfKind(SyntaxKind.ClassDeclaration), ...file.getDescendantsOfKind(SyntaxKind.ClassExpression)];
  classes.sort((a, b) => a.getPos() - b.getPos());
  for (const node of classes) {
    const own = new Set<StepKind>();
    for (const member of membersOf(node)) {
      // A decorator on an overload signature or an abstract method is TS1249; TypeScript reports it.
      if (Node.isMethodDeclaration(member) && !member.hasBody()) continue;
      for (const { decorator, kind } of stepDecorators(member, context)) {
        steps.push(info(node, member, kind, decorator));
        if (memberKindOf(member) === "method") own.add(kind);
      }
    }
    const base = baseClassOf(node);
    if (base) {
      for (const [kind, entry] of stepTableOf(base, context, tables)) {
        if (own.has(kind)) continue; // this class overrides that step with a method of its own choosing
        const member = overridingMethod(node, entry.method);
        if (member) steps.push(info(node, member, kind, undefined, `${entry.className}.${entry.method}`));
      }
    }
  }
  return steps;
}
