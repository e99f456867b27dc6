// `@trainer` classes: the model classes decorated with elegy-ts's `trainer` (recognised like
// the step decorators, by the symbol it resolves to — package.ts), and the ones a generated
// trainer could not run (ELEGY1010–1015).
import { ClassDeclaration, Decorator, Node, SyntaxKind, Type, TypeFlags } from "ts-morph";
import ts from "typescript";
import { TRAINER_MESSAGES } from "../../src/trainer/messages";
import { TRAINER_CODES } from "../codes";
import type { ElegyDiagnostic } from "../diagnostic";
import { AnalysisContext, locationOf } from "./context";
import { resolveDecorator } from "./package";

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

/** True when the decorator's callee is elegy-ts's `trainer`, also through `const t = trainer`. */
function isTrainerDecorator(decorator: Decorator, context: AnalysisContext): boolean {
  const callee = decorator.getCallExpression()?.getExpression() ?? decorator.getExpression();
  return resolveDecorator(callee, (symbol) => (context.elegy.trainer.has(symbol) ? true : undefined)) === true;
}

/** True when the class's instance type has elegy-ts's Model among its ancestors (mixins included). */
function extendsModel(type: Type, context: AnalysisContext, seen = new Set<ts.Type>()): boolean {
  if (seen.has(type.compilerType)) return false;
  seen.add(type.compilerType);
  const isModel = (t: Type): boolean => {
    const symbol = t.getSymbol() ?? t.getTargetType()?.getSymbol();
    return symbol !== undefined && context.elegy.model.has(symbol.compilerSymbol);
  };
  const parts = type.isIntersection() ? type.getIntersectionTypes() : [type];
  for (const part of parts) {
    if (part.compilerType !== type.compilerType && isModel(part)) return true;
    for (const base of part.getBaseTypes()) {
      if (isModel(base) || extendsModel(base, context, seen)) return true;
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

/** The `@trainer` classes of every file the program emits, and what is wrong with the others. */
export function findTrainers(context: AnalysisContext): TrainerAnalysis {
  const files: TrainerFile[] = [];
  const diagnostics: ElegyDiagnostic[] = [];
  for (const sourceFile of context.emitted) {
    // A class decorator needs an `@`: files without one cannot hold a @trainer class.
    if (!sourceFile.text.includes("@")) continue;
    const classes: string[] = [];
    for (const cls of context.file(sourceFile).getDescendantsOfKind(SyntaxKind.ClassDeclaration)) {
      const decorators = cls.getDecorators().filter((decorator) => isTrainerDecorator(decorator, context));
      if (decorators.length === 0) continue;
      const name = cls.getName();
      const first = decorators[0];
      const report = (code: ElegyDiagnostic["code"], message: string, at: Decorator = first) => diagnostics.push({ code, message, location: locationOf(at) });
      if (name === undefined) {
        // `export default class extends Model` is named by the compiler (default_1): ask for a name instead.
        report(TRAINER_CODES.trainerAnonymous, TRAINER_MESSAGES.anonymous());
        continue;
      }
      const before = diagnostics.length;
      for (const extra of decorators.slice(1)) report(TRAINER_CODES.trainerTwice, TRAINER_MESSAGES.twice(name), extra);
      if (!extendsModel(cls.getType(), context)) report(TRAINER_CODES.trainerNotAModel, TRAINER_MESSAGES.notAModel(name));
      if (!isExportedFromModule(cls)) report(TRAINER_CODES.trainerNotExported, TRAINER_MESSAGES.notExported(name));
      if (cls.isAbstract()) report(TRAINER_CODES.trainerAbstractClass, TRAINER_MESSAGES.abstractClass(name));
      for (const decorator of decorators) {
        if (!hasData(decorator)) report(TRAINER_CODES.trainerWithoutData, TRAINER_MESSAGES.withoutData(name), decorator);
      }
      if (diagnostics.length === before) classes.push(name);
    }
    if (classes.length > 0) files.push({ sourceFile, classes });
  }
  return { files, diagnostics };
}
