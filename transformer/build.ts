// The compile behind `elegy-ts build` (src/cli/build.ts) and `elegy-ts train`: TypeScript's
// checks plus the ELEGY ones, then emit with the parameter-name metadata — or, on any error,
// nothing at all.
//
// The compile uses the TypeScript API directly (the same ts.Program and checker the ts-patch
// plugin sees); the analyses (analyse/) read that same program through ts-morph's wrapped
// nodes. The trainer modules (emit-trainer.ts) join the in-memory outputs, so they too are
// written only when everything compiled.
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { elegyDiagnostics, elegyTransformer } from "./program";
import { ElegyDiagnostic, formatElegyDiagnostic, formatTsDiagnostic } from "./diagnostic";
import { analyseTrainers } from "./analyse";
import { EmittedOutput, TrainerModule, trainerModules } from "./emit-trainer";

/**
 * The decorator mode of builds without a tsconfig: legacy decorators, with class fields
 * assigned in the constructor as legacy decorators were designed for. A tsconfig chooses its
 * own mode: with `experimentalDecorators` legacy, without it TypeScript 5's standard
 * decorators; both work (docs/compile-time-checks.md). No emitDecoratorMetadata in either:
 * nothing reads design:* metadata (the parameter names are recorded by the transformer itself).
 */
export const REQUIRED_OPTIONS: Readonly<ts.CompilerOptions> = {
  experimentalDecorators: true,
  useDefineForClassFields: false,
};

/** Defaults for building files without a tsconfig (with REQUIRED_OPTIONS). */
export const SINGLE_FILE_DEFAULTS: Readonly<ts.CompilerOptions> = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  forceConsistentCasingInFileNames: true,
};

export interface BuildOptions {
  /** Files to compile with SINGLE_FILE_DEFAULTS (no tsconfig needed)… */
  files?: readonly string[];
  /** …or a tsconfig.json (or a folder holding one): its options, its decorator mode included. */
  project?: string;
  /** Where the .js files go; default: the project's outDir, or beside each file. */
  outDir?: string;
  /** Relative paths are resolved against it, and printed relative to it (default: process.cwd()). */
  cwd?: string;
}

export interface BuildResult {
  /** 0 when everything compiled and was written; 1 on any error (then nothing was written). */
  exitCode: 0 | 1;
  /** Errors, one line each as printed: `file(line,col): error ELEGY1001: message`, `… error TS2322: …`. */
  diagnostics: string[];
  /** Absolute paths of the files written. */
  emittedFiles: string[];
  /** The trainer modules written (`<name>.trainer.js` beside each compiled file with `@trainer` classes). */
  trainers: TrainerModule[];
  /** Absolute paths of the program's own source files (not libraries), for callers that cache the build. */
  sourceFiles: string[];
}

interface Compilation {
  rootNames: readonly string[];
  options: ts.CompilerOptions;
  projectReferences?: readonly ts.ProjectReference[];
  configErrors: ts.Diagnostic[];
}

function fromProject(project: string, cwd: string, extend: ts.CompilerOptions): Compilation {
  let configPath = path.resolve(cwd, project);
  if (fs.existsSync(configPath) && fs.statSync(configPath).isDirectory()) configPath = path.join(configPath, "tsconfig.json");
  if (!fs.existsSync(configPath)) {
    const error: ts.Diagnostic = {
      category: ts.DiagnosticCategory.Error,
      code: 5058, // tsc's own code and text for this
      file: undefined,
      start: undefined,
      length: undefined,
      messageText: `The specified path does not exist: '${configPath}'.`,
    };
    return { rootNames: [], options: {}, configErrors: [error] };
  }
  const errors: ts.Diagnostic[] = [];
  const host: ts.ParseConfigFileHost = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => errors.push(d) };
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, extend, host);
  if (!parsed) return { rootNames: [], options: {}, configErrors: errors };
  return {
    rootNames: parsed.fileNames,
    options: parsed.options,
    projectReferences: parsed.projectReferences,
    configErrors: [...errors, ...parsed.errors],
  };
}

/** The deepest folder holding all the given files. */
export function commonDirectory(fileNames: readonly string[]): string {
  const dirs = fileNames.map((f) => path.dirname(path.resolve(f)).split(path.sep));
  if (dirs.length === 0) return process.cwd();
  const common: string[] = [];
  for (let i = 0; dirs.every((d) => i < d.length && d[i] === dirs[0][i]); i++) common.push(dirs[0][i]);
  return common.join(path.sep) || path.sep;
}

/** Files this program writes output for. */
function emittedSources(program: ts.Program): string[] {
  return program
    .getSourceFiles()
    .filter((f) => !f.isDeclarationFile && !program.isSourceFileFromExternalLibrary(f) && !f.fileName.endsWith(".json"))
    .map((f) => f.fileName);
}

function createProgram(c: Compilation, oldProgram?: ts.Program): ts.Program {
  return ts.createProgram({ rootNames: c.rootNames, options: c.options, projectReferences: c.projectReferences, oldProgram });
}

interface Sortable {
  file?: string;
  start: number;
  text: string;
}

function fromTs(d: ts.Diagnostic, cwd: string): Sortable {
  return { file: d.file?.fileName, start: d.start ?? 0, text: formatTsDiagnostic(d, cwd) };
}

function fromElegy(d: ElegyDiagnostic, cwd: string): Sortable {
  return { file: d.location.file.fileName, start: d.location.start, text: formatElegyDiagnostic(d, cwd) };
}

/** Diagnostics without a file first (in their order), then by file and position. */
function inOrder(diagnostics: Sortable[]): string[] {
  return diagnostics
    .map((d, i) => ({ ...d, i }))
    .sort((a, b) => {
      if (a.file === undefined || b.file === undefined) return (a.file === undefined ? 0 : 1) - (b.file === undefined ? 0 : 1) || a.i - b.i;
      return (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.start - b.start || a.i - b.i;
    })
    .map((d) => d.text);
}

function failed(diagnostics: string[]): BuildResult {
  return { exitCode: 1, diagnostics, emittedFiles: [], trainers: [], sourceFiles: [] };
}

/**
 * Compiles with the elegy transformer. Reports TypeScript's errors and the ELEGY ones; when
 * there is any, writes nothing and returns exitCode 1. Otherwise writes every output file.
 */
export function build(options: BuildOptions): BuildResult {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const files = options.files ?? [];
  if ((options.project === undefined) === (files.length === 0)) {
    throw new TypeError("build() needs either `files` (one or more) or `project`, not both.");
  }
  const forced: ts.CompilerOptions = {};
  if (options.outDir !== undefined) forced.outDir = path.resolve(cwd, options.outDir);

  let compilation: Compilation;
  let program: ts.Program;
  if (options.project !== undefined) {
    compilation = fromProject(options.project, cwd, forced);
    const configErrors = compilation.configErrors.filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (configErrors.length > 0) return failed(inOrder(configErrors.map((d) => fromTs(d, cwd))));
    program = createProgram(compilation);
  } else {
    const rootNames = files.map((f) => path.resolve(cwd, f));
    // An explicit rootDir: inside a package with "exports", TypeScript needs one to map its
    // self-references (TS2209). Start from the given files' folder; widen it, as tsc would,
    // when they import files from elsewhere.
    compilation = { rootNames, options: { ...SINGLE_FILE_DEFAULTS, ...REQUIRED_OPTIONS, ...forced, rootDir: commonDirectory(rootNames) }, configErrors: [] };
    program = createProgram(compilation);
    const rootDir = commonDirectory([...emittedSources(program), path.join(compilation.options.rootDir!, "x")]);
    if (rootDir !== compilation.options.rootDir) {
      compilation = { ...compilation, options: { ...compilation.options, rootDir } };
      program = createProgram(compilation, program);
    }
  }

  const tsErrors = [
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...program.getSemanticDiagnostics(),
    ...(program.getCompilerOptions().declaration || program.getCompilerOptions().composite ? program.getDeclarationDiagnostics() : []),
  ].filter((d) => d.category === ts.DiagnosticCategory.Error);
  const diagnostics = inOrder([...tsErrors.map((d) => fromTs(d, cwd)), ...elegyDiagnostics(program).map((d) => fromElegy(d, cwd))]);
  if (diagnostics.length > 0) return failed(diagnostics);

  // Emit into memory first, so that an error during emit still leaves nothing written.
  const outputs: EmittedOutput[] = [];
  const emitted = program.emit(undefined, (fileName, text, bom, _onError, sourceFiles) => outputs.push({ fileName, text, bom, sourceFiles }), undefined, undefined, {
    before: [elegyTransformer(program)],
  });
  const emitErrors = inOrder(emitted.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).map((d) => fromTs(d, cwd)));
  if (emitErrors.length > 0) return failed(emitErrors);
  const modules = trainerModules(analyseTrainers(program).files, outputs, program.getCompilerOptions());
  for (const module of modules) outputs.push({ fileName: module.trainer, text: module.text, bom: false });
  for (const output of outputs) ts.sys.writeFile(output.fileName, output.text, output.bom);
  return {
    exitCode: 0,
    diagnostics: [],
    emittedFiles: outputs.map((o) => path.resolve(o.fileName)),
    trainers: modules,
    sourceFiles: program.getSourceFiles().filter((f) => !program.isSourceFileFromExternalLibrary(f) && !program.isSourceFileDefaultLibrary(f)).map((f) => path.resolve(f.fileName)),
  };
}

