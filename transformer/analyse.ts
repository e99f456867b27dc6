// Finds step methods: class members whose decorator resolves — through imports, renamed
// imports, namespace imports, re-exports and `const` aliases — to one of elegy-ts's step
// decorators, i.e. the declaration in src/decorators.ts (or dist/src/decorators.d.ts) of the
// package named "elegy-ts". Never by identifier text: a local function called `predStep` is
// not a step, and `import { testStep as ts }` is one.
//
// Works on a plain ts.Program and its checker, so the ts-patch plugin and `elegy-ts build`
// share it. Everything the diagnostics need (names, types, locations) is read here, once, so
// diagnose.ts stays pure.
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { PACKAGE_NAME, STEP_KINDS, StepKind } from "../src/metadata-keys";

/** A span of a source file (what a diagnostic points at). */
export interface Location {
  file: ts.SourceFile;
  start: number;
  length: number;
}

/** What the checker says about a parameter's declared (or inferred) type. */
export interface ParamType {
  /** As the checker prints it, e.g. `number`, `boolean | undefined`. */
  text: string;
  /** `boolean` is assignable to it (so `initializing`/`training` can be injected). */
  acceptsBoolean: boolean;
  /** Made only of primitives (number, string, boolean, bigint, symbol, and null/undefined/void), so no Tensor or States fits. */
  primitiveOnly: boolean;
  /** The type annotation, or the parameter when the type is inferred. */
  location: Location;
}

export interface StepParam {
  /** Position among the method's parameters, from 0 (a `this` parameter does not count). */
  index: number;
  /** The parameter's name; undefined when it is destructured (`{ x }` or `[a, b]`). */
  name: string | undefined;
  rest: boolean;
  type: ParamType;
  node: ts.ParameterDeclaration;
  /** The parameter's name (or binding pattern). */
  location: Location;
}

export type MemberKind = "method" | "static" | "property" | "accessor";

/** One use of a step decorator on a class member. */
export interface StepInfo {
  /** The class's name, as the runtime sees it (`constructor.name`) where it can be known. */
  class: string;
  classNode: ts.ClassLikeDeclaration;
  /** The member's name, as written. */
  method: string;
  member: ts.ClassElement;
  memberKind: MemberKind;
  kind: StepKind;
  decorator: ts.Decorator;
  /** Parameters in order (empty unless memberKind is "method" or "static"). */
  params: StepParam[];
  /** The decorator. */
  location: Location;
}

// ---------------------------------------------------------------------------------------------
// Which files belong to the elegy-ts package

interface PackageInfo {
  root: string;
  name: string | undefined;
}
const packageOfDirectory = new Map<string, PackageInfo | undefined>();

/** The nearest package.json above a file: its folder and its "name" (cached per folder). */
export function packageOf(fileName: string): PackageInfo | undefined {
  const visited: string[] = [];
  let dir = path.dirname(path.resolve(fileName));
  let found: PackageInfo | undefined;
  for (;;) {
    if (packageOfDirectory.has(dir)) {
      found = packageOfDirectory.get(dir);
      break;
    }
    visited.push(dir);
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      let name: string | undefined;
      try {
        const parsed = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: unknown };
        name = typeof parsed.name === "string" ? parsed.name : undefined;
      } catch {
        name = undefined;
      }
      found = { root: dir, name };
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of visited) packageOfDirectory.set(d, found);
  return found;
}

/** The file's path inside the elegy-ts package (`src/decorators.ts`), or undefined when it is not in that package. */
export function pathInElegyPackage(fileName: string): string | undefined {
  const pkg = packageOf(fileName);
  if (!pkg || pkg.name !== PACKAGE_NAME) return undefined;
  return path.relative(pkg.root, path.resolve(fileName)).split(path.sep).join("/");
}

/** Where elegy-ts declares its step decorators: the source, or the declarations built from it. */
const DECORATOR_FILES = new Set(["src/decorators.ts", "dist/src/decorators.d.ts"]);

// ---------------------------------------------------------------------------------------------
// Decorators

function skipParentheses(expression: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(expression)) expression = expression.expression;
  return expression;
}

/** The symbol a decorator expression (`predStep`, `elegy.predStep`) stands for, aliases followed. */
function resolvedSymbol(expression: ts.Expression, checker: ts.TypeChecker): ts.Symbol | undefined {
  const e = skipParentheses(expression);
  const at = ts.isIdentifier(e) ? e : ts.isPropertyAccessExpression(e) ? e.name : undefined;
  if (!at) return undefined; // a call or anything else: not one of our decorators (they take no arguments)
  let symbol = checker.getSymbolAtLocation(at);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  return symbol;
}

/** The step kind of a symbol declared in elegy-ts's decorators module, if it is one. */
function elegyStepKind(symbol: ts.Symbol): StepKind | undefined {
  const name = symbol.getName();
  if (!(STEP_KINDS as readonly string[]).includes(name)) return undefined;
  const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (!declaration) return undefined;
  const inPackage = pathInElegyPackage(declaration.getSourceFile().fileName);
  return inPackage !== undefined && DECORATOR_FILES.has(inPackage) ? (name as StepKind) : undefined;
}

/**
 * The step kind a decorator stands for, or undefined when it is not one of elegy-ts's step
 * decorators. Besides imports and re-exports (aliases), a `const` initialised with a step
 * decorator (`const forward = elegy.predStep`) is followed, a few levels deep.
 */
export function stepKindOf(decorator: ts.Decorator, checker: ts.TypeChecker): StepKind | undefined {
  let expression: ts.Expression = decorator.expression;
  for (let hops = 0; hops < 8; hops++) {
    const symbol = resolvedSymbol(expression, checker);
    if (!symbol) return undefined;
    const kind = elegyStepKind(symbol);
    if (kind) return kind;
    const declaration = symbol.valueDeclaration;
    if (
      declaration &&
      ts.isVariableDeclaration(declaration) &&
      declaration.initializer &&
      ts.isVariableDeclarationList(declaration.parent) &&
      declaration.parent.flags & ts.NodeFlags.Const
    ) {
      expression = declaration.initializer;
      continue;
    }
    return undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Step methods

export function locationOf(node: ts.Node): Location {
  const file = node.getSourceFile();
  return { file, start: node.getStart(file), length: node.getWidth(file) };
}

function classNameOf(node: ts.ClassLikeDeclaration): string {
  if (node.name) return node.name.text;
  // `const Foo = class { … }` is named Foo at run time.
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  return "(anonymous class)";
}

function memberNameOf(member: ts.ClassElement): string {
  const name = member.name;
  if (!name) return "(unnamed member)";
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return name.getText(member.getSourceFile());
}

function memberKindOf(member: ts.ClassElement): MemberKind {
  const isStatic = (ts.canHaveModifiers(member) ? ts.getModifiers(member) ?? [] : []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
  if (isStatic) return "static";
  if (ts.isMethodDeclaration(member)) return "method";
  if (ts.isGetAccessorDeclaration(member) || ts.isSetAccessorDeclaration(member)) return "accessor";
  return "property";
}

const PRIMITIVE = ts.TypeFlags.NumberLike | ts.TypeFlags.StringLike | ts.TypeFlags.BigIntLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.ESSymbolLike;
const NOTHING = ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void;

function paramTypeOf(param: ts.ParameterDeclaration, checker: ts.TypeChecker): ParamType {
  const type = checker.getTypeAtLocation(param);
  const parts = type.isUnion() ? type.types : [type];
  const primitiveOnly = parts.every((t) => (t.flags & (PRIMITIVE | NOTHING)) !== 0) && parts.some((t) => (t.flags & PRIMITIVE) !== 0);
  return {
    text: checker.typeToString(type),
    acceptsBoolean: checker.isTypeAssignableTo(checker.getBooleanType(), type),
    primitiveOnly,
    location: locationOf(param.type ?? param.name),
  };
}

function paramsOf(member: ts.ClassElement, checker: ts.TypeChecker): StepParam[] {
  if (!ts.isMethodDeclaration(member)) return [];
  return member.parameters
    .filter((p) => !(ts.isIdentifier(p.name) && p.name.text === "this"))
    .map((node, index) => ({
      index,
      name: ts.isIdentifier(node.name) ? node.name.text : undefined,
      rest: node.dotDotDotToken !== undefined,
      type: paramTypeOf(node, checker),
      node,
      location: locationOf(node.name),
    }));
}

/** Every use of a step decorator in a file, in source order. */
export function findSteps(sourceFile: ts.SourceFile, checker: ts.TypeChecker): StepInfo[] {
  const steps: StepInfo[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      for (const member of node.members) {
        if (!ts.canHaveDecorators(member)) continue;
        for (const decorator of ts.getDecorators(member) ?? []) {
          const kind = stepKindOf(decorator, checker);
          if (!kind) continue;
          const memberKind = memberKindOf(member);
          steps.push({
            class: classNameOf(node),
            classNode: node,
            method: memberNameOf(member),
            member,
            memberKind,
            kind,
            decorator,
            params: paramsOf(member, checker),
            location: locationOf(decorator),
          });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  // Decorators need an `@`: files without one cannot hold a step.
  if (sourceFile.text.includes("@")) visit(sourceFile);
  return steps;
}

// ---------------------------------------------------------------------------------------------
// Injectables declared by the user

/**
 * Names declared in elegy-ts's exported `Injectables` interface, with every augmentation
 * (`declare module "elegy-ts" { interface Injectables { teacher: Model } }`) merged in by the
 * checker. Read from the module symbols of the package's own files (src/ or dist/src/).
 */
export function userInjectables(program: ts.Program): string[] {
  const checker = program.getTypeChecker();
  const names = new Set<string>();
  for (const file of program.getSourceFiles()) {
    const inPackage = pathInElegyPackage(file.fileName);
    if (inPackage === undefined || !(inPackage.startsWith("src/") || inPackage.startsWith("dist/src/"))) continue;
    const moduleSymbol = checker.getSymbolAtLocation(file);
    if (!moduleSymbol) continue;
    let injectables = checker.tryGetMemberInModuleExports("Injectables", moduleSymbol);
    if (!injectables) continue;
    if (injectables.flags & ts.SymbolFlags.Alias) injectables = checker.getAliasedSymbol(injectables);
    if (!(injectables.flags & ts.SymbolFlags.Interface)) continue;
    for (const property of checker.getDeclaredTypeOfSymbol(injectables).getProperties()) names.add(property.getName());
  }
  return [...names];
}

// ---------------------------------------------------------------------------------------------
// A whole program

export interface ProgramAnalysis {
  /** Step decorator uses per file, for the files this program emits (no .d.ts, no libraries). */
  stepsByFile: ReadonlyMap<ts.SourceFile, readonly StepInfo[]>;
  /** All of them, file by file in program order. */
  steps: readonly StepInfo[];
  userInjectables: readonly string[];
}

const analyses = new WeakMap<ts.Program, ProgramAnalysis>();

/** Analyses a program once (cached per program): the plugin's diagnostics and its emit share it. */
export function analyseProgram(program: ts.Program): ProgramAnalysis {
  const cached = analyses.get(program);
  if (cached) return cached;
  const checker = program.getTypeChecker();
  const stepsByFile = new Map<ts.SourceFile, StepInfo[]>();
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile || program.isSourceFileFromExternalLibrary(file)) continue;
    const steps = findSteps(file, checker);
    if (steps.length > 0) stepsByFile.set(file, steps);
  }
  const analysis: ProgramAnalysis = {
    stepsByFile,
    steps: [...stepsByFile.values()].flat(),
    userInjectables: stepsByFile.size > 0 ? userInjectables(program) : [],
  };
  analyses.set(program, analysis);
  return analysis;
}
