// Finds the model classes decorated with elegy-ts's `@trainer` — by the symbol the decorator
// resolves to (imports, renamed imports, namespace imports, re-exports, `const` aliases),
// never by its text — and reports the ones a generated trainer could not run (ELEGY1010–1014).
//
// The analysis uses ts-morph over the build's own program: each source file is wrapped with
// createWrappedNode and the program's type checker, so no second program is type-checked and
// what is analysed is exactly what emits.
import { ClassDeclaration, Decorator, Expression, Node, Symbol as MorphSymbol, SyntaxKind, Type, TypeFlags, createWrappedNode } from "ts-morph";
import ts from "typescript";
import { locationOf, pathInElegyPackage } from "./analyse";
import { TRAINER_CODES, TRAINER_MESSAGES } from "./codes";
import { ElegyDiagnostic, sortDiagnostics } from "./diagnose";

/** Where elegy-ts declares `trainer` and `Model`: the sources, or the declarations built from them. */
const TRAINER_FILES = new Set(["src/decorators.ts", "dist/src/decorators.d.ts"]);
const MODEL_FILES = new Set(["src/model/model.ts", "dist/src/model/model.d.ts"]);

/** The `@trainer` classes of one source file that a generated trainer can run. */
export interface TrainerFile {
  sourceFile: ts.SourceFile;
  /** Class names as the runtime sees them (`constructor.name`), in source order. */
  classes: string[];
}

export interface TrainerAnalysis {
  /** Files with at least one valid `@trainer` class (nothing else gets a trainer module). */
  files: TrainerFile[];
  diagnostics: ElegyDiagnostic[];
}

function isDeclaredIn(symbol: MorphSymbol, name: string, files: ReadonlySet<string>): boolean {
  if (symbol.getName() !== name) return false;
  return symbol.getDeclarations().some((declaration) => {
    const inPackage = pathInElegyPackage(declaration.getSourceFile().getFilePath());
    return inPackage !== undefined && files.has(inPackage);
  });
}

/** The symbol an expression (`trainer`, `elegy.trainer`) stands for, import aliases followed. */
function resolvedSymbol(expression: Expression): MorphSymbol | undefined {
  let e: Node = expression;
  while (Node.isParenthesizedExpression(e)) e = e.getExpression();
  const at = Node.isIdentifier(e) ? e : Node.isPropertyAccessExpression(e) ? e.getNameNode() : undefined;
  if (!at) return undefined;
  const symbol = at.getSymbol();
  return symbol?.isAlias() ? symbol.getAliasedSymbol() ?? symbol : symbol;
}

/** True when the decorator's callee is elegy-ts's `trainer`, also through `const t = trainer`. */
function isTrainerDecorator(decorator: Decorator): boolean {
  let expression: Expression = decorator.getCallExpression()?.getExpression() ?? decorator.getExpression();
  for (let hops = 0; hops < 8; hops++) {
    const symbol = resolvedSymbol(expression);
    if (!symbol) return false;
    if (isDeclaredIn(symbol, "trainer", TRAINER_FILES)) return true;
    const declaration = symbol.getValueDeclaration();
    const initializer = declaration && Node.isVariableDeclaration(declaration) ? declaration.getInitializer() : undefined;
    const isConst = declaration && Node.isVariableDeclaration(declaration) && declaration.getVariableStatement()?.getDeclarationKind() === "const";
    if (!initializer || !isConst) return false;
    expression = initializer;
  }
  return false;
}

/** True when the class's instance type has elegy-ts's Model among its ancestors (mixins included). */
function extendsModel(type: Type, seen = new Set<Type>()): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  const parts = type.isIntersection() ? type.getIntersectionTypes() : [type];
  for (const part of parts) {
    const symbol = part.getSymbol() ?? part.getTargetType()?.getSymbol();
    if (part !== type && symbol && isDeclaredIn(symbol, "Model", MODEL_FILES)) return true;
    for (const base of part.getBaseTypes()) {
      const baseSymbol = base.getSymbol() ?? base.getTargetType()?.getSymbol();
      if (baseSymbol && isDeclaredIn(baseSymbol, "Model", MODEL_FILES)) return true;
      if (extendsModel(base, seen)) return true;
    }
  }
  return false;
}

/** Exported from the top level of its module, by `export class`, `export default` or `export { … }`. */
function isExportedFromModule(cls: ClassDeclaration): boolean {
  return Node.isSourceFile(cls.getParent()) && cls.isExported();
}

/** The `@trainer` call has a `data` option whose type is not just undefined. */
function hasData(decorator: Decorator): boolean {
  const options = decorator.getCallExpression()?.getArguments()[0];
  if (!options) return false;
  const data = options.getType().getProperty("data");
  if (!data) return false;
  return (data.getTypeAtLocation(options).getFlags() & ~(TypeFlags.Undefined | TypeFlags.Void)) !== 0;
}

const analyses = new WeakMap<ts.Program, TrainerAnalysis>();

/** The `@trainer` classes of every file the program emits, and what is wrong with the others (cached per program). */
export function analyseTrainers(program: ts.Program): TrainerAnalysis {
  const cached = analyses.get(program);
  if (cached) return cached;
  const compilerChecker = program.getTypeChecker();
  const files: TrainerFile[] = [];
  const diagnostics: ElegyDiagnostic[] = [];
  for (const sourceFile of program.getSourceFiles()) {
    if (sourceFile.isDeclarationFile || program.isSourceFileFromExternalLibrary(sourceFile)) continue;
    // A class decorator needs an `@`: files without one cannot hold a @trainer class.
    if (!sourceFile.text.includes("@")) continue;
    const wrapped = createWrappedNode(sourceFile, { typeChecker: compilerChecker, compilerOptions: program.getCompilerOptions() });
    if (!Node.isSourceFile(wrapped)) continue;
    const classes: string[] = [];
    for (const cls of wrapped.getDescendantsOfKind(SyntaxKind.ClassDeclaration)) {
      const decorators = cls.getDecorators().filter(isTrainerDecorator);
      if (decorators.length === 0) continue;
      const name = cls.getName();
      const first = decorators[0];
      const report = (code: ElegyDiagnostic["code"], message: string, at: Decorator = first) =>
        diagnostics.push({ code, message, location: locationOf(at.compilerNode) });
      if (name === undefined) {
        // `export default class extends Model` is named by the compiler (default_1): ask for a name instead.
        report(TRAINER_CODES.trainerAnonymous, TRAINER_MESSAGES.anonymous());
        continue;
      }
      const before = diagnostics.length;
      for (const extra of decorators.slice(1)) report(TRAINER_CODES.trainerTwice, TRAINER_MESSAGES.twice(name), extra);
      if (!extendsModel(cls.getType())) report(TRAINER_CODES.trainerNotAModel, TRAINER_MESSAGES.notAModel(name));
      if (!isExportedFromModule(cls)) report(TRAINER_CODES.trainerNotExported, TRAINER_MESSAGES.notExported(name));
      if (cls.isAbstract()) report(TRAINER_CODES.trainerAbstractClass, TRAINER_MESSAGES.abstractClass(name));
      for (const decorator of decorators) {
        if (!hasData(decorator)) report(TRAINER_CODES.trainerWithoutData, TRAINER_MESSAGES.withoutData(name), decorator);
      }
      if (diagnostics.length === before) classes.push(name);
    }
    if (classes.length > 0) files.push({ sourceFile, classes });
  }
  const analysis = { files, diagnostics: sortDiagnostics(diagnostics) };
  analyses.set(program, analysis);
  return analysis;
}
