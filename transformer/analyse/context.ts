// The one view both analyses (steps.ts, trainers.ts) take of a program: ts-morph over the
// build's own ts.Program and type checker. Each source file is wrapped once (createWrappedNode
// with the program's checker), so no second program is created or type-checked, and what is
// analysed is exactly what emits. The few questions ts-morph does not ask of a type (a
// generic's base constraint, a tuple's arity) go to the same checker, through `checker`.
import { Node, SourceFile, createWrappedNode } from "ts-morph";
import ts from "typescript";
import { PackageSymbols, isPackageEntry, packageSymbols } from "./package";

export interface AnalysisContext {
  readonly program: ts.Program;
  /** The program's own checker (the one ts-morph's wrappers use). */
  readonly checker: ts.TypeChecker;
  /** The source files the program emits output for (no .d.ts, no libraries). */
  readonly emitted: readonly ts.SourceFile[];
  /** A file of the program, as ts-morph sees it (wrapped once). */
  file(sourceFile: ts.SourceFile): SourceFile;
  /** elegy-ts's exports (decorators, Model, States, Injectables), looked up once. */
  readonly elegy: PackageSymbols;
}

const contexts = new WeakMap<ts.Program, AnalysisContext>();

/** The analysis context of a program (one per program, shared by every analysis of it). */
export function contextOf(program: ts.Program): AnalysisContext {
  const cached = contexts.get(program);
  if (cached) return cached;
  const checker = program.getTypeChecker();
  const compilerOptions = program.getCompilerOptions();
  const wrapped = new Map<ts.SourceFile, SourceFile>();
  const file = (sourceFile: ts.SourceFile): SourceFile => {
    let found = wrapped.get(sourceFile);
    if (!found) {
      const node: Node = createWrappedNode(sourceFile, { typeChecker: checker, compilerOptions });
      if (!Node.isSourceFile(node)) throw new Error(`elegy-ts transformer: ${sourceFile.fileName} did not wrap as a source file.`);
      found = node;
      wrapped.set(sourceFile, found);
    }
    return found;
  };
  let elegy: PackageSymbols | undefined;
  const context: AnalysisContext = {
    program,
    checker,
    emitted: program.getSourceFiles().filter((f) => !f.isDeclarationFile && !program.isSourceFileFromExternalLibrary(f)),
    file,
    get elegy() {
      elegy ??= packageSymbols(checker, program.getSourceFiles().filter((f) => isPackageEntry(f.fileName)));
      return elegy;
    },
  };
  contexts.set(program, context);
  return context;
}

/** A span of a source file (what a diagnostic points at). */
export interface Location {
  file: ts.SourceFile;
  start: number;
  length: number;
}

export function locationOf(node: Node): Location {
  return { file: node.getSourceFile().compilerNode, start: node.getStart(), length: node.getWidth() };
}
