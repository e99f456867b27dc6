// elegy-ts/bundler: elegy.esbuild() and elegy.vite() compile .ts files with the elegy transformer
// (the bundled model trains: its step parameter names were recorded) and fail the bundle with the
// ELEGY diagnostics of `elegy-ts build`, word for word.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";

const ROOT = path.resolve(__dirname, "../../..");
const FIXTURES = path.join(ROOT, "test/fixtures/browser");
// ESM-only (as unplugin and Vite are): loaded with import(), which TypeScript would turn into require() here.
const importEsm = new Function("specifier", "return import(specifier)") as <T>(specifier: string) => Promise<T>;
type Bundler = typeof import("elegy-ts/bundler", { with: { "resolution-mode": "import" } });
const bundler = () => importEsm<Bundler>("elegy-ts/bundler").then((m) => m.default);

const TSCONFIG = path.join(FIXTURES, "tsconfig.json");

/** What `elegy-ts build` says about the bad model: the bundle must fail with the same line. */
function buildDiagnostics(): string[] {
  const { build } = require("elegy-ts/transformer") as typeof import("elegy-ts/transformer");
  return build({ files: [path.join(FIXTURES, "bad-model.ts")], cwd: ROOT, outDir: path.join(ROOT, "dist/test/browser/never-written") }).diagnostics;
}

/** One plugin instance (one TypeScript program) for both esbuild builds, as in one watch session. */
let esbuildPlugin: ReturnType<Awaited<ReturnType<typeof bundler>>["esbuild"]> | undefined;
const esbuildElegy = async () => (esbuildPlugin ??= (await bundler()).esbuild({ tsconfig: TSCONFIG, cwd: ROOT }));

test("elegy.esbuild(): the bundled model trains (the transformer ran on it)", async () => {
  // Inside the package, so that the bundle's require("elegy-ts") finds it (package self-reference).
  const out = fs.mkdtempSync(path.join(ROOT, "dist/test/browser/esbuild-"));
  try {
    await esbuild.build({
      entryPoints: [path.join(FIXTURES, "good-model.ts")], bundle: true, platform: "node", format: "cjs",
      outfile: path.join(out, "model.js"), packages: "external", logLevel: "silent", absWorkingDir: ROOT,
      plugins: [await esbuildElegy()],
    });
    const bundled = fs.readFileSync(path.join(out, "model.js"), "utf8");
    assert.match(bundled, /"yTrue"/, "the recorded parameter names are in the bundle");
    const loss = await (require(path.join(out, "model.js")) as { run(): Promise<number> }).run();
    assert.ok(Math.abs(loss - 2.5) < 1e-6, `first batch's loss with w = 0 is mean(1, 4) = 2.5, got ${loss}`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("elegy.esbuild(): an ELEGY diagnostic fails the bundle with file, line, column and did-you-mean", async () => {
  const failure = await esbuild
    .build({
      entryPoints: [path.join(FIXTURES, "bad-model.ts")], bundle: true, platform: "browser", write: false, logLevel: "silent",
      absWorkingDir: ROOT, plugins: [await esbuildElegy()],
    })
    .then(() => undefined, (error: esbuild.BuildFailure) => error);
  assert.ok(failure, "the bundle failed");
  assert.equal(failure.errors.length, 1);
  const [line] = buildDiagnostics();
  assert.match(line, /^test\/fixtures\/browser\/bad-model\.ts\(6,22\): error ELEGY1001: Unknown injectable 'ytrue' in @testStep Misspelled\.test\. Did you mean 'yTrue'\?/);
  assert.equal(failure.errors[0].text, line, "word for word what elegy-ts build prints");
  assert.equal(failure.errors[0].pluginName, "elegy-ts");
});

test("elegy.vite(): builds the model, and fails a build on the ELEGY diagnostic", { timeout: 120_000 }, async () => {
  const elegy = await bundler();
  const vite = await importEsm<typeof import("vite", { with: { "resolution-mode": "import" } })>("vite");
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "elegy-vite-"));
  const config = (entry: string) => ({
    root: FIXTURES, configFile: false as const, logLevel: "silent" as const,
    plugins: [elegy.vite({ tsconfig: TSCONFIG, cwd: ROOT })],
    build: {
      outDir: out, emptyOutDir: true, minify: false,
      lib: { entry: path.join(FIXTURES, entry), formats: ["es" as const], fileName: "model" },
      rollupOptions: { external: (id: string) => !id.startsWith(".") && !path.isAbsolute(id) }, // the packages stay imports
    },
  });
  try {
    await vite.build(config("good-model.ts"));
    const bundled = fs.readdirSync(out).map((f) => fs.readFileSync(path.join(out, f), "utf8")).join("\n");
    assert.match(bundled, /Regression = class extends Model|class Regression extends Model/);
    assert.match(bundled, /"yTrue"/, "the recorded parameter names are in the bundle");
    await assert.rejects(vite.build(config("bad-model.ts")), (error: Error) => {
      assert.ok(error.message.includes(buildDiagnostics()[0]), error.message);
      return true;
    });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
