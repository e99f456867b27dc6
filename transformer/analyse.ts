// Finds step methods: class members whose decorator resolves — through imports, aliases
// and namespace imports — to one of elegy-ts's step decorators. Never by identifier text.
import * as path from "node:path";
import * as fs from "node:fs";
import ts from "typescript";
import { PACKAGE_NAME, STEP_KINDS, StepKind } from "../src/metadata-keys";

export interface StepParam {
  name: string | undefined;
  node: ts.ParameterDeclaration;
  rest: boolean;
}

export interface StepInfo {
  kind: StepKind;
  className: string;
  memberName: string;
  /** The decorated member (a method, or something that is not one). */
  member: ts.ClassElement;
  decorator: ts.Decorator;
  params: StepParam[];
  isMethod: boolean;
  isStatic: boolean;
}

const packageOfFile = new Map<string, string | undefined>();

/** The name of the npm package a file belongs to (nearest package.json), cached. */
function packageNameOf(file: string): string | undefined {
  let dir = path.dirname(file);
  const seen: string[] = [];
  let name: string | undefined;
  for (;;) {
    if (packageOfFile.has(dir)) {
      name = packageOfFile.get(dir);
      break;
    }
    seen.push(dir);
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      try {
        name = (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name;
      } catch {
        name = undefined;
      }
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of seen) packageOfFile.set(d, name);
  return name;
}

/** The step kind a decorator stands for, if it resolves to elegy-ts's decorator of that name. */
export function stepKindOf(decorator: ts.Decorator, checker: ts.TypeChecker): StepKind | undefined {
  const expression = decorator.expression;
  const target = ts.isPropertyAccessExpression(expression) ? expression.name : expression;
  let symbol = checker.getSymbolAtLocation(target);
  if (!symbol) return undefined;
  if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (!declaration) return undefined;
  const name = symbol.getName() as StepKind;
  if (!STEP_KINDS.includes(name)) return undefined;
  const file = declaration.getSourceFile().fileName;
  if (!/[\\/]src[\\/]decorators\.(d\.)?ts$/.test(file)) return undefined;
  return packageNameOf(file) === PACKAGE_NAME ? name : undefined;
}

function memberName(member: ts.ClassElement, sourceFile: ts.SourceFile): string {
  return member.name ? member.name.getText(sourceFile) : "<anonymous>";
}

/** Every step decorator use in a file. */
export function findSteps(sourceFile: ts.SourceFile, checker: ts.TypeChecker): StepInfo[] {
  const steps: StepInfo[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      const className = node.name?.text ?? "<anonymous class>";
      for (const member of node.members) {
        if (!ts.canHaveDecorators(member)) continue;
        for (const decorator of ts.getDecorators(member) ?? []) {
          const kind = stepKindOf(decorator, checker);
          if (!kind) continue;
          const isMethod = ts.isMethodDeclaration(member);
          const params = isMethod
            ? member.parameters
                .filter((p) => !(ts.isIdentifier(p.name) && p.name.text === "this"))
                .map((p) => ({ name: ts.isIdentifier(p.name) ? p.name.text : undefined, node: p, rest: p.dotDotDotToken !== undefined }))
            : [];
          const isStatic = (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
          steps.push({ kind, className, memberName: memberName(member, sourceFile), member, decorator, params, isMethod, isStatic });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return steps;
}

/** Names declared by users in `interface Injectables` of module "elegy-ts" (with augmentations). */
export function userInjectables(program: ts.Program, fromFile: string): string[] {
  const checker = program.getTypeChecker();
  const resolved = ts.resolveModuleName(PACKAGE_NAME, fromFile, program.getCompilerOptions(), ts.sys).resolvedModule;
  const moduleFile = resolved && program.getSourceFile(resolved.resolvedFileName);
  const moduleSymbol = moduleFile && checker.getSymbolAtLocation(moduleFile);
  if (!moduleSymbol) return [];
  const injectables = checker.getExportsOfModule(moduleSymbol).find((s) => s.getName() === "Injectables");
  if (!injectables) return [];
  return checker.getDeclaredTypeOfSymbol(injectables).getProperties().map((p) => p.getName());
}
