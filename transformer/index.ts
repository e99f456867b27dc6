// ts-patch plugin entry: { "transform": "elegy-ts/transformer" } in compilerOptions.plugins.
// Reports ELEGY diagnostics (tspc then exits non-zero) and records step parameter names.
// For builds that must emit nothing on an error, use `elegy-ts build`.
import ts from "typescript";
import { findSteps, userInjectables } from "./analyse";
import { diagnoseSteps, toTsDiagnostic } from "./diagnose";
import { metadataTransformer } from "./emit-metadata";

interface TransformerExtras {
  addDiagnostic?: (diagnostic: ts.Diagnostic) => number;
}

/** Diagnostics of every project file (declaration files and node_modules excluded). */
export function elegyDiagnostics(program: ts.Program) {
  const checker = program.getTypeChecker();
  return program
    .getSourceFiles()
    .filter((f) => !f.isDeclarationFile && !/[\\/]node_modules[\\/]/.test(f.fileName))
    .flatMap((file) => {
      const steps = findSteps(file, checker);
      return steps.length ? diagnoseSteps(steps, checker, userInjectables(program, file.fileName)) : [];
    });
}

export default function elegyTransformer(program: ts.Program, _config?: unknown, extras?: TransformerExtras): ts.TransformerFactory<ts.SourceFile> {
  if (extras?.addDiagnostic) for (const d of elegyDiagnostics(program)) extras.addDiagnostic(toTsDiagnostic(d));
  return metadataTransformer(program);
}

export { metadataTransformer } from "./emit-metadata";
export { findSteps, stepKindOf, userInjectables } from "./analyse";
export type { StepInfo, StepParam } from "./analyse";
export { diagnoseSteps, formatElegy, formatTs } from "./diagnose";
export type { ElegyDiagnostic } from "./diagnose";
export { CODES, messages } from "./codes";
export { build } from "./build";
export type { BuildOptions, BuildResult } from "./build";
