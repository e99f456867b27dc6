// Compiles the .ts files a bundler hands over with TypeScript and the elegy transformer: one
// ts.Program for the whole build, grown file by file and updated when a file's text changes
// (Vite's dev server), so the checker sees every step class with its imports resolved. Returns
// the JavaScript (ES modules, for the bundler to tree-shake) and its source map, or the ELEGY
// diagnostics of that file, formatted as `elegy-ts build` prints them.
import * as path from "node:path";
import ts from "typescript";
import transformer from "../transformer/index.js";

export interface CompilerOptions {
  /** A tsconfig.json (or a folder holding one); default: the nearest one above `cwd`, else elegy-ts's single-file defaults. */
  tsconfig?: string;
  /** Paths in diagnostics are relative to it (default: process.cwd()). */
  cwd?: string;
}

export type CompileResult =
  | { ok: true; code: string; map: string | undefined }
  | { ok: false; diagnostics: string[] };

/** What the bundler needs whatever the tsconfig says: ES modules it resolves itself, and source maps. */
const FOR_BUNDLERS: ts.CompilerOptions = {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  noEmit: false,
  declaration: false,
  declarationMap: false,
  emitDeclarationOnly: false,
  composite: false,
  incremental: false,
  sourceMap: true,
  inlineSourceMap: false,
  inlineSources: true,
};

function readConfig(tsconfig: string | undefined, cwd: string): { options: ts.CompilerOptions; rootNames: string[] } {
  const configPath = tsconfig !== undefined ? path.resolve(cwd, tsconfig) : ts.findConfigFile(cwd, ts.sys.fileExists);
  if (configPath === undefined) return { options: { ...transformer.SINGLE_FILE_DEFAULTS }, rootNames: [] };
  const file = ts.sys.directoryExists(configPath) ? path.join(configPath, "tsconfig.json") : configPath;
  const parsed = ts.getParsedCommandLineOfConfigFile(file, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(transformer.formatTsDiagnostic(d, cwd));
    },
  });
  if (!parsed) throw new Error(`elegy-ts: could not read ${file}`);
  const errors = parsed.errors.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new Error(errors.map((d) => transformer.formatTsDiagnostic(d, cwd)).join("\n"));
  return { options: parsed.options, rootNames: parsed.fileNames };
}

export class ProjectCompiler {
  private readonly cwd: string;
  private readonly options: ts.CompilerOptions;
  private readonly rootNames: Set<string>;
  /** Texts the bundler gave, newer than the files on disk. */
  private readonly texts = new Map<string, string>();
  private readonly host: ts.CompilerHost;
  private program: ts.Program | undefined;
  private stale = true;
  private analysed: { diagnostics: Map<string, string[]>; before: ts.TransformerFactory<ts.SourceFile> } | undefined;

  constructor(options: CompilerOptions = {}) {
    this.cwd = path.resolve(options.cwd ?? process.cwd());
    const config = readConfig(options.tsconfig, this.cwd);
    this.options = { ...config.options, ...transformer.REQUIRED_OPTIONS, ...FOR_BUNDLERS };
    delete this.options.outFile;
    this.rootNames = new Set(config.rootNames.map((f) => path.resolve(f)));
    const host = ts.createCompilerHost(this.options);
    const readFile = host.readFile.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.readFile = (fileName) => this.texts.get(path.resolve(fileName)) ?? readFile(fileName);
    host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
      const text = this.texts.get(path.resolve(fileName));
      if (text === undefined) return getSourceFile(fileName, languageVersion, onError, shouldCreate);
      return ts.createSourceFile(fileName, text, languageVersion, true);
    };
    this.host = host;
  }

  compile(id: string, code: string): CompileResult {
    const fileName = path.resolve(id);
    if (this.texts.get(fileName) !== code) {
      this.texts.set(fileName, code);
      this.stale = true;
    }
    if (!this.rootNames.has(fileName)) {
      this.rootNames.add(fileName);
      this.stale = true;
    }
    const program = this.currentProgram();
    const source = program.getSourceFile(fileName);
    if (!source) throw new Error(`elegy-ts: TypeScript did not load ${fileName}`);
    const syntax = program.getSyntacticDiagnostics(source).map((d) => transformer.formatTsDiagnostic(d, this.cwd));
    const elegy = this.analysis(program).diagnostics.get(fileName) ?? [];
    if (syntax.length > 0 || elegy.length > 0) return { ok: false, diagnostics: [...syntax, ...elegy] };

    let js: string | undefined;
    let map: string | undefined;
    const emitted = program.emit(source, (name, text) => {
      if (name.endsWith(".map")) map = text;
      else if (/\.[cm]?js$/.test(name)) js = text;
    }, undefined, false, { before: [this.analysis(program).before] });
    const errors = emitted.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) return { ok: false, diagnostics: errors.map((d) => transformer.formatTsDiagnostic(d, this.cwd)) };
    if (js === undefined) throw new Error(`elegy-ts: TypeScript emitted nothing for ${fileName}`);
    return { ok: true, code: js.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n"), map };
  }

  private currentProgram(): ts.Program {
    if (this.stale || !this.program) {
      this.program = ts.createProgram({ rootNames: [...this.rootNames], options: this.options, host: this.host, oldProgram: this.program });
      this.analysed = undefined;
      this.stale = false;
    }
    return this.program;
  }

  /** The ELEGY diagnostics by file, and the metadata transformer, once per program. */
  private analysis(program: ts.Program): NonNullable<ProjectCompiler["analysed"]> {
    if (!this.analysed) {
      const diagnostics = new Map<string, string[]>();
      for (const d of transformer.elegyDiagnostics(program)) {
        const file = path.resolve(d.location.file.fileName);
        diagnostics.set(file, [...(diagnostics.get(file) ?? []), transformer.formatElegyDiagnostic(d, this.cwd)]);
      }
      this.analysed = { diagnostics, before: transformer.elegyTransformer(program) };
    }
    return this.analysed;
  }
}
