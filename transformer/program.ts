// The two ways ts-patch runs the plugin, and the pieces `elegy-ts build` reuses.
//
// - Source transformer (`{ "transform": "elegy-ts/transformer" }`): ts-patch calls
//   (program, config, extras) during emit. ELEGY diagnostics go to extras.addDiagnostic, so
//   tspc reports them and exits 2, but the .js files are still written, even with
//   noEmitOnError (tsc decided before emit). Names are recorded wherever a step has them, so
//   the runtime twins of the checks catch the rest: at class definition (ELEGY1005/1006), at
//   construction (ELEGY1002, and ELEGY1003, whose method records the unnamed parameter instead) or at the
//   step's first call (ELEGY1001, ELEGY1007).
// - Program transformer (`{ "transform": "elegy-ts/transformer", "transformProgram": true }`):
//   ts-patch calls (program, host, config, extras) and uses the program we return. Ours
//   reports ELEGY diagnostics as semantic diagnostics (also to incremental builders, which
//   read them per file and cache them in .tsbuildinfo) and emits nothing while there are any:
//   a fail-closed build, like `elegy-ts build`.
import ts from "typescript";
import { analyseProgram, analyseTrainers } from "./analyse";
import { diagnoseSteps } from "./diagnose";
import { ElegyDiagnostic, sortDiagnostics, toTsDiagnostic } from "./diagnostic";
import { metadataTransformer } from "./emit-metadata";

/** The ELEGY diagnostics of every file a program emits: its steps, and its `@trainer` classes. */
export function elegyDiagnostics(program: ts.Program): ElegyDiagnostic[] {
  const analysis = analyseProgram(program);
  return sortDiagnostics([...diagnoseSteps(analysis.steps, analysis.injectables.map((i) => i.name)), ...analyseTrainers(program).diagnostics]);
}

/** The `before` transformer that records step parameter names. */
export function elegyTransformer(program: ts.Program): ts.TransformerFactory<ts.SourceFile> {
  return metadataTransformer(analyseProgram(program), program.getCompilerOptions());
}

/** ts-patch's extras for source transformers (only what we use). */
export interface SourceTransformerExtras {
  addDiagnostic?: (diagnostic: ts.Diagnostic) => unknown;
}

/** Source-transformer mode: report through ts-patch, return the metadata transformer. */
export function sourceTransformer(program: ts.Program, extras: SourceTransformerExtras | undefined): ts.TransformerFactory<ts.SourceFile> {
  if (extras?.addDiagnostic) for (const d of elegyDiagnostics(program)) extras.addDiagnostic(toTsDiagnostic(d));
  return elegyTransformer(program);
}

function mergeTransformers(program: ts.Program, custom: ts.CustomTransformers | undefined): ts.CustomTransformers {
  return { ...custom, before: [elegyTransformer(program), ...(custom?.before ?? [])] };
}

/**
 * Program-transformer mode: the same program, seen through an object whose semantic
 * diagnostics include the ELEGY ones and whose emit adds the metadata transformer, or writes
 * nothing at all while there is an ELEGY error.
 */
export function transformProgram(program: ts.Program): ts.Program {
  const elegy = elegyDiagnostics(program).map(toTsDiagnostic);
  const wrapped = Object.create(program) as ts.Program;
  wrapped.getSemanticDiagnostics = (sourceFile, cancellationToken) => [
    ...program.getSemanticDiagnostics(sourceFile, cancellationToken),
    ...(sourceFile ? elegy.filter((d) => d.file === sourceFile) : elegy),
  ];
  // Incremental builds (`incremental`, `composite`, `tsc --build`) read a file's diagnostics through this internal
  // method instead, and cache them in .tsbuildinfo: without it they would skip the emit but report nothing (exit 0).
  const internal = program as ts.Program & { getBindAndCheckDiagnostics?: (sourceFile: ts.SourceFile, token?: ts.CancellationToken) => readonly ts.Diagnostic[] };
  if (typeof internal.getBindAndCheckDiagnostics === "function") {
    const own = internal.getBindAndCheckDiagnostics.bind(program);
    (wrapped as typeof internal).getBindAndCheckDiagnostics = (sourceFile, token) => [...own(sourceFile, token), ...elegy.filter((d) => d.file === sourceFile)];
  }
  wrapped.emit = (targetSourceFile, writeFile, cancellationToken, emitOnlyDtsFiles, customTransformers) => {
    if (elegy.length > 0) return { emitSkipped: true, diagnostics: [], emittedFiles: [] };
    return program.emit(targetSourceFile, writeFile, cancellationToken, emitOnlyDtsFiles, mergeTransformers(program, customTransformers));
  };
  return wrapped;
}

/**
 * True when ts-patch called the plugin as a program transformer: it passes the compiler host
 * second, and the plugin's config (with `transformProgram: true`) third. A source transformer
 * gets the config second, without `transformProgram`.
 */
export function isProgramTransformerCall(second: unknown, third: unknown): boolean {
  const isHost = typeof second === "object" && second !== null && typeof (second as ts.CompilerHost).getSourceFile === "function";
  const config = third as { transformProgram?: unknown } | undefined;
  return isHost || (typeof config === "object" && config !== null && config.transformProgram === true);
}
