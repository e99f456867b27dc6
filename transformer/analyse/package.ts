// Package and symbols: which declarations are elegy-ts's own, and what a decorator expression
// stands for. Both analyses (steps.ts, trainers.ts) recognise elegy-ts only through here —
// by the symbol an expression resolves to, never by its text: a local function called
// `predStep` is no step decorator, and `import { testStep as ts }` is one.
import * as fs from "node:fs";
import * as path from "node:path";
import { Expression, Node, Symbol as MorphSymbol } from "ts-morph";
import ts from "typescript";
import { PACKAGE_NAME, STEP_KINDS, StepKind } from "../../src/metadata-keys";

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

/** The file's path inside the elegy-ts package (`src/index.ts`), or undefined when it is not in that package. */
export function pathInElegyPackage(fileName: string): string | undefined {
  const pkg = packageOf(fileName);
  if (!pkg || pkg.name !== PACKAGE_NAME) return undefined;
  return path.relative(pkg.root, path.resolve(fileName)).split(path.sep).join("/");
}

/**
 * The package's entry, as source or as the declarations built from it. Everything the
 * transformer recognises is looked up among its exports, so it does not matter in which
 * file of the package a name is declared, or whether the program sees sources or .d.ts.
 */
const ENTRY_FILES: ReadonlySet<string> = new Set(["src/index.ts", "dist/src/index.d.ts"]);

/** The exports of "elegy-ts" the analyses look for, as the declarations' symbols (compiler objects, comparable across files). */
export interface PackageSymbols {
  /** predStep … initStep. */
  readonly steps: ReadonlyMap<ts.Symbol, StepKind>;
  readonly trainer: ReadonlySet<ts.Symbol>;
  readonly model: ReadonlySet<ts.Symbol>;
  readonly states: ReadonlySet<ts.Symbol>;
  readonly injectables: ReadonlySet<ts.Symbol>;
  /** The types a step's tuple items are judged by (ELEGY1007): Logs, LogValue, TensorTree. */
  readonly logs: ReadonlySet<ts.Symbol>;
  readonly logValue: ReadonlySet<ts.Symbol>;
  readonly tensorTree: ReadonlySet<ts.Symbol>;
}

/** An export's own declaration symbol, re-exports and import aliases followed. */
export function declared(symbol: MorphSymbol | undefined): MorphSymbol | undefined {
  return symbol?.isAlias() ? symbol.getAliasedSymbol() ?? symbol : symbol;
}

/** True for the package's entry file (its source or its declarations). */
export function isPackageEntry(fileName: string): boolean {
  const inPackage = pathInElegyPackage(fileName);
  return inPackage !== undefined && ENTRY_FILES.has(inPackage);
}

/**
 * The symbols exported by the package entries among `entries`. Asked of the checker, not of
 * the module's own export table: only the checker sees the merged symbol, with the user's
 * `declare module "elegy-ts"` augmentations in it.
 */
export function packageSymbols(checker: ts.TypeChecker, entries: Iterable<ts.SourceFile>): PackageSymbols {
  const steps = new Map<ts.Symbol, StepKind>();
  const names = {
    trainer: "trainer", model: "Model", states: "States", injectables: "Injectables", logs: "Logs", logValue: "LogValue", tensorTree: "TensorTree",
  } as const;
  const found = Object.fromEntries(Object.keys(names).map((key) => [key, new Set<ts.Symbol>()])) as Record<keyof typeof names, Set<ts.Symbol>>;
  for (const entry of entries) {
    const module = checker.getSymbolAtLocation(entry);
    if (!module) continue;
    const exported = (name: string): ts.Symbol | undefined => {
      const symbol = checker.tryGetMemberInModuleExports(name, module);
      return symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    };
    for (const kind of STEP_KINDS) {
      const symbol = exported(kind);
      if (symbol) steps.set(symbol, kind);
    }
    for (const key of Object.keys(names) as (keyof typeof names)[]) {
      const symbol = exported(names[key]);
      if (symbol) found[key].add(symbol);
    }
  }
  return { steps, ...found };
}

function skipParentheses(expression: Node): Node {
  while (Node.isParenthesizedExpression(expression)) expression = expression.getExpression();
  return expression;
}

/**
 * What a decorator expression (`predStep`, `elegy.predStep`, `t` after `const t = trainer`)
 * stands for: the declaration symbol of the first name along the way that `isWanted`
 * accepts. Imports, renamed imports, namespace imports and re-exports are aliases the
 * checker follows; a `const` initialised with another such expression is followed by hand,
 * a few levels deep. A call or any other expression stands for nothing.
 */
export function resolveDecorator<T>(expression: Expression, isWanted: (symbol: ts.Symbol) => T | undefined): T | undefined {
  let current: Node = expression;
  for (let hops = 0; hops < 8; hops++) {
    const e = skipParentheses(current);
    const at = Node.isIdentifier(e) ? e : Node.isPropertyAccessExpression(e) ? e.getNameNode() : undefined;
    const symbol = declared(at?.getSymbol());
    if (!symbol) return undefined;
    const wanted = isWanted(symbol.compilerSymbol);
    if (wanted !== undefined) return wanted;
    const declaration = symbol.getValueDeclaration();
    if (!Node.isVariableDeclaration(declaration) || declaration.getVariableStatement()?.getDeclarationKind() !== "const") return undefined;
    const initializer = declaration.getInitializer();
    if (!initializer) return undefined;
    current = initializer;
  }
  return undefined;
}
