// elegy-ts/bundler: the elegy transformer inside a bundler, as one unplugin implementation.
//   import elegy from "elegy-ts/bundler";
//   esbuild.build({ …, plugins: [elegy.esbuild()] })      vite: { plugins: [elegy.vite()] }
// Every .ts file of the bundle (not node_modules, not .d.ts) is compiled with TypeScript and the
// elegy transformer; a file with ELEGY diagnostics fails the bundle with them, in the same
// `file(line,col): error ELEGYnnnn: message` form as `elegy-ts build`.
/**
 * Bundler plugins (esbuild, Vite; also Rollup and webpack through unplugin) that compile
 * TypeScript with the elegy transformer.
 * @module elegy-ts/bundler
 */
import { createUnplugin } from "unplugin";
import { ProjectCompiler } from "./compile.mjs";
import type { CompilerOptions } from "./compile.mjs";

export interface ElegyBundlerOptions extends CompilerOptions {
  /** Which files to compile (default: .ts, .mts and .cts files outside node_modules). */
  include?: (id: string) => boolean;
}

const TYPESCRIPT = /\.[cm]?ts$/;

function defaultInclude(id: string): boolean {
  return TYPESCRIPT.test(id) && !id.endsWith(".d.ts") && !/[\\/]node_modules[\\/]/.test(id);
}

/** The error a bundle fails with: every diagnostic of the file, one per line. */
export class ElegyBundleError extends Error {
  constructor(readonly diagnostics: string[]) {
    super(diagnostics.join("\n"));
    this.name = "ElegyBundleError";
  }
}

const elegy = createUnplugin((options: ElegyBundlerOptions | undefined) => {
  const include = options?.include ?? defaultInclude;
  let compiler: ProjectCompiler | undefined;
  return {
    name: "elegy-ts",
    enforce: "pre",
    transformInclude: (id: string) => include(id.replace(/\?.*$/, "")),
    // Class names are data to elegy-ts (a checkpoint records its model's class; errors name it):
    // keep them through esbuild's renaming (an unset keepNames becomes true).
    esbuild: {
      config(build: { keepNames?: boolean }) {
        build.keepNames ??= true;
      },
    },
    transform(code: string, id: string) {
      compiler ??= new ProjectCompiler(options);
      const result = compiler.compile(id.replace(/\?.*$/, ""), code);
      if (!result.ok) throw new ElegyBundleError(result.diagnostics);
      return { code: result.code, map: result.map };
    },
  };
});

export default elegy;
export { elegy };
export type { CompilerOptions };
