// The compile `elegy-ts build` runs: the framework's compiler options, TypeScript's checks
// plus the ELEGY ones, and emit (with parameter-name metadata) only when there is no error.
import * as path from "node:path";
import ts from "typescript";
import { elegyDiagnostics } from "./index";
import { formatElegy, formatTs } from "./diagnose";
import { metadataTransformer } from "./emit-metadata";

export interface BuildOptions {
  /** Files to compile (with the framework's default options)… */
  files?: string[];
  /** …or a tsconfig.json (its options, with the framework's decorator options forced). */
  project?: string;
  outDir?: string;
  /** Paths in messages are relative to it (default process.cwd()). */
  cwd?: string;
}

export interface BuildResult {
  exitCode: 0 | 1;
  /** Formatted `file(line,col): error CODE: message` lines. */
  diagnostics: string[];
  emittedFiles: string[];
}

/** What legacy decorators and parameter-name injection need, whatever the user's tsconfig says. */
const REQUIRED: ts.CompilerOptions = { experimentalDecorators: true, emitDecoratorMetadata: true, useDefineForClassFields: false };
const SINGLE_FILE_DEFAULTS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  types: ["node"],
};

function readProject(project: string): { rootNames: string[]; options: ts.CompilerOptions; errors: readonly ts.Diagnostic[] } {
  const configPath = path.resolve(project);
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) return { rootNames: [], options: {}, errors: [read.error] };
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(configPath), undefined, configPath);
  return { rootNames: parsed.fileNames, options: parsed.options, errors: parsed.errors };
}

function commonDirectory(files: string[]): string {
  if (files.length === 0) return process.cwd();
  const parts = files.map((f) => path.dirname(f).split(path.sep));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => p[i] !== undefined && p[i] === parts[0][i]); i++) common.push(parts[0][i]);
  return common.join(path.sep) || path.sep;
}

export function build(options: BuildOptions): BuildResult {
  const cwd = options.cwd ?? process.cwd();
  let rootNames: string[];
  let compilerOptions: ts.CompilerOptions;
  let configErrors: readonly ts.Diagnostic[] = [];
  if (options.project) {
    const project = readProject(options.project);
    ({ rootNames, errors: configErrors } = project);
    compilerOptions = { ...project.options };
  } else {
    rootNames = (options.files ?? []).map((f) => path.resolve(cwd, f));
    // An explicit root: inside a package with "exports", TypeScript needs one (TS2209).
    compilerOptions = { ...SINGLE_FILE_DEFAULTS, rootDir: commonDirectory(rootNames) };
  }
  compilerOptions = { ...compilerOptions, ...REQUIRED, noEmitOnError: true, listEmittedFiles: true };
  if (options.outDir) compilerOptions.outDir = path.resolve(cwd, options.outDir);
  const program = ts.createProgram({ rootNames, options: compilerOptions });
  const tsDiagnostics = [
    ...configErrors,
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...program.getSemanticDiagnostics(),
  ].filter((d) => d.category === ts.DiagnosticCategory.Error);
  const elegy = configErrors.length ? [] : elegyDiagnostics(program);
  const diagnostics = [...tsDiagnostics.map((d) => formatTs(d, cwd)), ...elegy.map((d) => formatElegy(d, cwd))];
  if (diagnostics.length > 0 || rootNames.length === 0) {
    if (rootNames.length === 0 && diagnostics.length === 0) diagnostics.push("error: no input files. Give .ts files or -p tsconfig.json.");
    return { exitCode: 1, diagnostics, emittedFiles: [] };
  }
  const emitted = program.emit(undefined, undefined, undefined, false, { before: [metadataTransformer(program)] });
  const emitErrors = emitted.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).map((d) => formatTs(d, cwd));
  return { exitCode: emitErrors.length ? 1 : 0, diagnostics: emitErrors, emittedFiles: emitted.emittedFiles ?? [] };
}
