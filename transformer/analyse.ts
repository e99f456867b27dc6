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

/** What is a States: assignable to elegy-ts's States; "unknown" for any, unknown, never or an unconstrained type parameter. */
export type StatesFit = "yes" | "no" | "unknown";

/** One slot of a returned tuple (or the items of a returned array). */
export interface ReturnSlot {
  /** As the checker prints it. */
  text: string;
  states: StatesFit;
}

/** One alternative of a step's return type, as far as the step-kind rules care. */
export type ReturnShape =
  /** any, unknown, never, an unconstrained type parameter: nothing to judge. */
  | { kind: "opaque" }
  /** Promise-like (has an awaited type of its own). */
  | { kind: "promise" }
  /** A tuple: its slots (the last one is the rest element's type when `rest`), and how many are required. */
  | { kind: "tuple"; slots: ReturnSlot[]; minLength: number; rest: boolean }
  /** An array of unknown length (`T[]`), e.g. the inferred type of `const out = [a, b]; return out;`. */
  | { kind: "array"; item: ReturnSlot }
  /** Anything else: an object, a primitive, void. */
  | { kind: "value"; states: StatesFit };

/** A step method's return type: declared, or inferred from its return statements. */
export interface ReturnInfo {
  /** As printed in messages, e.g. `[Tensor<Rank>, States]`. */
  text: string;
  /** Declared `async` (so it returns a Promise whatever its body does). */
  async: boolean;
  /** Each alternative of a union (or the one type); never empty. */
  shapes: ReturnShape[];
  /** The return type annotation, or the method's name when the type is inferred. */
  location: Location;
}

/** One step method of a class: a member with a step decorator, or an undecorated override of an inherited one. */
export interface StepInfo {
  /** The class's name, as the runtime sees it (`constructor.name`) where it can be known. */
  class: string;
  classNode: ts.ClassLikeDeclaration;
  /** The member's name, as written. */
  method: string;
  member: ts.ClassElement;
  memberKind: MemberKind;
  kind: StepKind;
  /** The step decorator; undefined for an undecorated override of a base class's step (see inheritedFrom). */
  decorator: ts.Decorator | undefined;
  /**
   * Set when the member carries no decorator for this kind but overrides the base class's step
   * method of the same name (`Base.forward`): at run time it is the step, so it is recorded and
   * diagnosed like a decorated one.
   */
  inheritedFrom?: string;
  /** Parameters in order (empty unless memberKind is "method" or "static"). */
  params: StepParam[];
  /** What it returns (methods only). */
  returns?: ReturnInfo;
  /** The decorator, or the member's name for an undecorated override. */
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

// ---------------------------------------------------------------------------------------------
// Return types

const OPAQUE = ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Never;
const GENERIC = ts.TypeFlags.TypeParameter | ts.TypeFlags.IndexedAccess | ts.TypeFlags.Conditional | ts.TypeFlags.Substitution;

/** A generic type's constraint (repeatedly); undefined when it has none, i.e. it cannot be judged. */
function constrained(type: ts.Type, checker: ts.TypeChecker): ts.Type | undefined {
  for (let hops = 0; hops < 8 && type.flags & GENERIC; hops++) {
    const constraint = checker.getBaseConstraintOfType(type);
    if (!constraint || constraint === type || constraint.flags & ts.TypeFlags.Unknown) return undefined;
    type = constraint;
  }
  return type.flags & GENERIC ? undefined : type;
}

function statesFit(type: ts.Type, checker: ts.TypeChecker, states: ts.Type | undefined): StatesFit {
  const t = constrained(type, checker);
  if (!t || t.flags & OPAQUE || !states) return "unknown";
  if (checker.isTypeAssignableTo(t, states)) return "yes";
  if (t.isUnion()) {
    // `States | undefined` and the like: judged by its best member (precise, not noisy).
    const fits = t.types.map((member) => statesFit(member, checker, states));
    return fits.includes("yes") ? "yes" : fits.includes("unknown") ? "unknown" : "no";
  }
  return "no";
}

function slotOf(type: ts.Type, checker: ts.TypeChecker, states: ts.Type | undefined): ReturnSlot {
  return { text: checker.typeToString(type), states: statesFit(type, checker, states) };
}

/**
 * The items of an array type: they may hold a States when States is assignable to them. The
 * array's position information is gone (TypeScript reduces `[scalar, {}, states]` held in a
 * variable to `{}[]`), so only an item type that cannot hold a States at all is judged "no".
 */
function itemOf(type: ts.Type, checker: ts.TypeChecker, states: ts.Type | undefined): ReturnSlot {
  const slot = slotOf(type, checker, states);
  const t = constrained(type, checker);
  if (slot.states === "no" && t && states && checker.isTypeAssignableTo(states, t)) return { ...slot, states: "yes" };
  return slot;
}

function shapesOfType(type: ts.Type, checker: ts.TypeChecker, states: ts.Type | undefined): ReturnShape[] {
  const t = constrained(type, checker);
  if (!t || t.flags & OPAQUE) return [{ kind: "opaque" }];
  if (t.isUnion() && !(t.flags & ts.TypeFlags.Boolean)) return t.types.flatMap((member) => shapesOfType(member, checker, states));
  if (checker.isTupleType(t)) {
    const reference = t as ts.TypeReference;
    const target = reference.target as ts.TupleType;
    const elements = checker.getTypeArguments(reference).slice(0, target.elementFlags.length);
    return [{
      kind: "tuple",
      slots: elements.map((element) => slotOf(element, checker, states)),
      minLength: target.minLength,
      rest: target.hasRestElement,
    }];
  }
  if (checker.isArrayType(t)) return [{ kind: "array", item: itemOf(checker.getTypeArguments(t as ts.TypeReference)[0], checker, states) }];
  const awaited = checker.getAwaitedType(t);
  if (awaited !== undefined && awaited !== t) return [{ kind: "promise" }];
  return [{ kind: "value", states: statesFit(t, checker, states) }];
}

/** The `return` statements of a function body, not those of functions nested in it. */
function returnStatements(body: ts.Block): ts.ReturnStatement[] {
  const found: ts.ReturnStatement[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isReturnStatement(node)) found.push(node);
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}

function isAsync(member: ts.MethodDeclaration): boolean {
  return (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
}

/**
 * A method's return type as the step rules see it. A declared type is taken as declared. An
 * inferred one is read from the return statements, because TypeScript infers `return [a, b]`
 * as an array `(A | B)[]`: each array literal counts as the tuple it spells.
 */
function returnInfoOf(member: ts.MethodDeclaration, checker: ts.TypeChecker, states: ts.Type | undefined): ReturnInfo {
  const signature = checker.getSignatureFromDeclaration(member);
  const declaredOrInferred = signature ? checker.getReturnTypeOfSignature(signature) : checker.getAnyType();
  const location = locationOf(member.type ?? member.name);
  const async = isAsync(member);
  if (member.type || async || !member.body) {
    return { text: checker.typeToString(declaredOrInferred), async, shapes: shapesOfType(declaredOrInferred, checker, states), location };
  }
  const texts: string[] = [];
  const shapes: ReturnShape[] = [];
  for (const statement of returnStatements(member.body)) {
    if (!statement.expression) continue;
    const expression = skipParentheses(statement.expression);
    if (ts.isArrayLiteralExpression(expression) && !expression.elements.some(ts.isSpreadElement)) {
      const slots = expression.elements.map((element) => slotOf(checker.getTypeAtLocation(element), checker, states));
      texts.push(`[${slots.map((slot) => slot.text).join(", ")}]`);
      shapes.push({ kind: "tuple", slots, minLength: slots.length, rest: false });
    } else {
      const type = checker.getTypeAtLocation(expression);
      texts.push(checker.typeToString(type));
      shapes.push(...shapesOfType(type, checker, states));
    }
  }
  if (shapes.length === 0) {
    return { text: checker.typeToString(declaredOrInferred), async, shapes: shapesOfType(declaredOrInferred, checker, states), location };
  }
  return { text: [...new Set(texts)].join(" | "), async, shapes, location };
}

// ---------------------------------------------------------------------------------------------
// Classes: their own step methods, and the step table they inherit

/** A step method of a class as the runtime's step table has it: the method's name and the class that registered it. */
interface TableEntry {
  method: string;
  className: string;
}
type StepTable = ReadonlyMap<StepKind, TableEntry>;

/** Instance methods with a body: the only members the runtime registers as steps (TS rejects decorators on the others). */
function isImplementedInstanceMethod(member: ts.ClassElement): member is ts.MethodDeclaration {
  return ts.isMethodDeclaration(member) && member.body !== undefined && memberKindOf(member) === "method";
}

function stepDecorators(member: ts.ClassElement, checker: ts.TypeChecker): { decorator: ts.Decorator; kind: StepKind }[] {
  if (!ts.canHaveDecorators(member)) return [];
  const found: { decorator: ts.Decorator; kind: StepKind }[] = [];
  for (const decorator of ts.getDecorators(member) ?? []) {
    const kind = stepKindOf(decorator, checker);
    if (kind) found.push({ decorator, kind });
  }
  return found;
}

/** The class a class extends, when the checker can see its declaration. */
function baseClassOf(node: ts.ClassLikeDeclaration, checker: ts.TypeChecker): ts.ClassLikeDeclaration | undefined {
  const extendsClause = node.heritageClauses?.find((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword);
  const expression = extendsClause?.types[0];
  if (!expression) return undefined;
  const symbol = checker.getTypeAtLocation(expression).getSymbol();
  return symbol?.declarations?.find(ts.isClassLike);
}

/**
 * The step table the runtime builds for instances of a class (src/decorators.ts): the base
 * class's, with this class's own decorated methods layered over it. Bases declared in .d.ts
 * files carry no decorators, so they contribute nothing (the runtime then explains).
 */
function stepTableOf(node: ts.ClassLikeDeclaration, checker: ts.TypeChecker, cache: Map<ts.ClassLikeDeclaration, StepTable>, depth = 0): StepTable {
  const cached = cache.get(node);
  if (cached) return cached;
  cache.set(node, new Map()); // a cycle (an error TS reports) ends here
  const base = depth < 32 ? baseClassOf(node, checker) : undefined;
  const table = new Map(base ? stepTableOf(base, checker, cache, depth + 1) : []);
  const own = new Set<StepKind>();
  for (const member of node.members) {
    if (!isImplementedInstanceMethod(member)) continue;
    for (const { kind } of stepDecorators(member, checker)) {
      if (own.has(kind)) continue; // ELEGY1006; the runtime keeps the first as well (and throws)
      own.add(kind);
      table.set(kind, { method: memberNameOf(member), className: classNameOf(node) });
    }
  }
  cache.set(node, table);
  return table;
}

/**
 * The method of a class that overrides the inherited method `name`. Only methods: TypeScript
 * itself rejects a property or accessor that overrides a method (TS2425, TS2423).
 */
function overridingMethod(node: ts.ClassLikeDeclaration, name: string): ts.MethodDeclaration | undefined {
  return node.members.find((member): member is ts.MethodDeclaration => isImplementedInstanceMethod(member) && memberNameOf(member) === name);
}

export interface FindStepsOptions {
  /** elegy-ts's States type, to judge return types by (ELEGY1007); without it, States slots are not judged. */
  states?: ts.Type;
}

/** The step methods of a file's classes, in source order (per class: decorated members, then undecorated overrides). */
export function findSteps(sourceFile: ts.SourceFile, checker: ts.TypeChecker, options: FindStepsOptions = {}): StepInfo[] {
  const steps: StepInfo[] = [];
  const tables = new Map<ts.ClassLikeDeclaration, StepTable>();
  const info = (node: ts.ClassLikeDeclaration, member: ts.ClassElement, kind: StepKind, decorator: ts.Decorator | undefined, inheritedFrom?: string): StepInfo => {
    const memberKind = memberKindOf(member);
    return {
      class: classNameOf(node),
      classNode: node,
      method: memberNameOf(member),
      member,
      memberKind,
      kind,
      decorator,
      ...(inheritedFrom !== undefined ? { inheritedFrom } : {}),
      params: paramsOf(member, checker),
      ...(ts.isMethodDeclaration(member) ? { returns: returnInfoOf(member, checker, options.states) } : {}),
      location: locationOf(decorator ?? member.name ?? member),
    };
  };
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      const own = new Set<StepKind>();
      for (const member of node.members) {
        // A decorator on an overload signature or an abstract method is TS1249; TypeScript reports it.
        if (ts.isMethodDeclaration(member) && !member.body) continue;
        for (const { decorator, kind } of stepDecorators(member, checker)) {
          steps.push(info(node, member, kind, decorator));
          if (memberKindOf(member) === "method") own.add(kind);
        }
      }
      const base = baseClassOf(node, checker);
      if (base) {
        for (const [kind, entry] of stepTableOf(base, checker, tables)) {
          if (own.has(kind)) continue; // this class overrides that step with a method of its own choosing
          const member = overridingMethod(node, entry.method);
          if (member) steps.push(info(node, member, kind, undefined, `${entry.className}.${entry.method}`));
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  // A step needs a decorator (`@`) or a base class (`extends`): files with neither are skipped.
  if (sourceFile.text.includes("@") || sourceFile.text.includes("extends")) visit(sourceFile);
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

/** Where elegy-ts declares States. */
const STATES_FILES = new Set(["src/states.ts", "dist/src/states.d.ts"]);

/** elegy-ts's States class (its instance type), when the program includes the package. */
export function statesType(program: ts.Program): ts.Type | undefined {
  const checker = program.getTypeChecker();
  for (const file of program.getSourceFiles()) {
    const inPackage = pathInElegyPackage(file.fileName);
    if (inPackage === undefined || !STATES_FILES.has(inPackage)) continue;
    const moduleSymbol = checker.getSymbolAtLocation(file);
    const symbol = moduleSymbol && checker.tryGetMemberInModuleExports("States", moduleSymbol);
    if (symbol && symbol.flags & ts.SymbolFlags.Class) return checker.getDeclaredTypeOfSymbol(symbol);
  }
  return undefined;
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
  let states: ts.Type | undefined | null = null; // looked up once, when the first file needs it
  for (const file of program.getSourceFiles()) {
    if (file.isDeclarationFile || program.isSourceFileFromExternalLibrary(file)) continue;
    if (states === null && (file.text.includes("@") || file.text.includes("extends"))) states = statesType(program);
    const steps = findSteps(file, checker, { states: states ?? undefined });
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
