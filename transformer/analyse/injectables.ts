// Injectables declared by the user: the properties of elegy-ts's exported `Injectables`
// interface, with every augmentation (`declare module "elegy-ts" { interface Injectables {
// teacher: Model } }`) merged in by the checker.
import ts from "typescript";
import { AnalysisContext } from "./context";

export interface DeclaredInjectable {
  name: string;
  /** The declared type (what `provide` accepts), and as printed in messages. */
  type: ts.Type;
  text: string;
}

export function declaredInjectables(context: AnalysisContext): DeclaredInjectable[] {
  const { checker } = context;
  const found = new Map<string, DeclaredInjectable>();
  for (const symbol of context.elegy.injectables) {
    if (!(symbol.flags & ts.SymbolFlags.Interface)) continue;
    for (const property of checker.getDeclaredTypeOfSymbol(symbol).getProperties()) {
      if (found.has(property.getName())) continue;
      const type = checker.getTypeOfSymbol(property);
      found.set(property.getName(), { name: property.getName(), type, text: checker.typeToString(type) });
    }
  }
  return [...found.values()];
}
