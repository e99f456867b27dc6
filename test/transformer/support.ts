// Helpers of the transformer tests: fixture paths, throw-away projects, loading compiled output.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after } from "node:test";
import assert from "node:assert/strict";
import "reflect-metadata";
import { build } from "elegy-ts/transformer";
import { METADATA } from "../../src/metadata-keys";

/** The repository (tests run from dist/test/transformer). */
export const ROOT = path.resolve(__dirname, "../../..");
export const FIXTURES = path.join(ROOT, "test/fixtures/transformer");
export const BIN = path.join(ROOT, "bin/elegy-ts.js");

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

const made: string[] = [];
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh folder outside the repository, removed when the test file ends. With `linked`, it
 * holds node_modules/elegy-ts → this repository, as in a user's project where elegy-ts is
 * installed: compiled output placed there can require("elegy-ts"), and ts-patch can resolve
 * "elegy-ts/transformer".
 */
export function tempDir(prefix: string, linked = false): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `elegy-transformer-${prefix}-`)));
  made.push(dir);
  if (linked) {
    fs.mkdirSync(path.join(dir, "node_modules"));
    fs.symlinkSync(ROOT, path.join(dir, "node_modules", "elegy-ts"), "dir");
  }
  return dir;
}

/** Every file below `dir` (relative paths with `/`, sorted; node_modules skipped); [] when it does not exist. */
export function filesIn(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory() && entry.name !== "node_modules") walk(child);
      else if (entry.isFile()) found.push(child);
    }
  };
  if (fs.existsSync(dir)) walk("");
  return found.sort();
}

/** Requires a compiled module fresh. */
export function load<T = Record<string, { prototype: object }>>(file: string): T {
  delete require.cache[require.resolve(file)];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as T;
}

/** The parameter names recorded for a step method (own metadata of that prototype: what the runtime reads). */
export function recordedNames(cls: { prototype: object }, method: string): unknown {
  return Reflect.getOwnMetadata(METADATA.paramNames, cls.prototype, method);
}

/** Compiles fixtures with build() into a linked temp folder (so they can require "elegy-ts"), asserting no diagnostics. */
export function compileFixtures(files: string[]): { outDir: string; emitted: string[] } {
  const outDir = tempDir("golden", true);
  const result = build({ files: files.map(fixture), outDir, cwd: FIXTURES });
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.exitCode, 0);
  return { outDir, emitted: filesIn(outDir) };
}

/** Builds must-fail fixtures: exit code 1, nothing written; returns the diagnostics as printed. */
export function mustFail(files: string[]): string[] {
  const outDir = tempDir("must-fail");
  const result = build({ files: files.map(fixture), outDir, cwd: FIXTURES });
  assert.equal(result.exitCode, 1);
  assert.deepEqual(filesIn(outDir), [], "nothing is written");
  return result.diagnostics;
}

/** The source of a linear-regression model whose test step asks for `yName` (at line 5, column 22). */
export const regressionModel = (yName: string): string => `import { Model, States, testStep, tf, type Logs } from "elegy-ts";

export class Regression extends Model {
  @testStep
  test(x: tf.Tensor, ${yName}: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
    const w = initializing ? tf.zeros([x.shape[1]!, 1]) : (states.netParams as tf.Tensor);
    const loss = tf.losses.meanSquaredError(${yName}, x.matMul(w)) as tf.Scalar;
    return [loss, { loss }, states.update({ netParams: w })];
  }
}
`;
