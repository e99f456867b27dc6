// The browser entry: "elegy-ts" bundled for a page resolves, through package.json's `browser`
// condition, to src/browser/index.ts, which reaches no Node builtin (esbuild fails on any when
// bundling for the browser platform) and no native addon; what needs Node says so in a page.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { ElegyPlatformError } from "elegy-ts";

const ROOT = path.resolve(__dirname, "../../..");

test("the browser bundle of elegy-ts imports no Node builtin, addon, CLI or worker", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "elegy-bundle-"));
  try {
    const entry = path.join(ROOT, "test/browser/entry.tmp.js");
    fs.writeFileSync(entry, 'export * from "elegy-ts";\n');
    let result: esbuild.BuildResult<{ metafile: true }>;
    try {
      result = await esbuild.build({
        entryPoints: [entry], bundle: true, platform: "browser", format: "esm", write: false, metafile: true,
        outdir: dir, logLevel: "silent", splitting: true,
      });
    } finally {
      fs.rmSync(entry);
    }
    const inputs = Object.keys(result.metafile.inputs);
    const ours = inputs.filter((f) => f.startsWith("dist/")).sort();
    assert.ok(ours.includes("dist/src/browser/index.js"), "resolved through the browser condition");
    assert.ok(!ours.includes("dist/src/index.js"), "not the Node index");
    for (const file of ours) {
      assert.doesNotMatch(file, /^dist\/src\/(cli\/.*|trainer\/(run-trainer|train-file|flags)|parallel\/(replica-group|worker-entry|control|data-parallel)|io\/(checkpoint|tfevents|regular-file|export\/(folder|file-router))|data\/(idx|mnist)|backend\/native\/addon|backend\/select\/select|platform\/node\/.*)\.js$/, `${file} is Node-only`);
    }
    const nodeImports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.filter((m) => m.external).map((m) => m.path));
    assert.deepEqual(nodeImports, [], "nothing left to the platform");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a Node builtin reached from the browser entry fails that bundle (the check above can fail)", async () => {
  const entry = path.join(ROOT, "test/browser/entry-node.tmp.js");
  fs.writeFileSync(entry, 'export * from "elegy-ts"; export { readFileSync } from "node:fs";\n');
  try {
    await assert.rejects(
      esbuild.build({ entryPoints: [entry], bundle: true, platform: "browser", write: false, logLevel: "silent" }),
      /Could not resolve "node:fs"/,
    );
  } finally {
    fs.rmSync(entry);
  }
});

test("what needs Node says so in a page, naming what to do instead", async () => {
  const { datasets } = require("../../src/browser/datasets") as typeof import("../../src/browser/datasets");
  const { saveCheckpoint } = require("../../src/platform/browser/checkpoint") as typeof import("../../src/platform/browser/checkpoint");
  const { withReplicas } = require("../../src/platform/browser/replicas") as typeof import("../../src/platform/browser/replicas");
  const { nativeStatus } = require("../../src/platform/browser/native") as typeof import("../../src/platform/browser/native");
  const browserCallbacks = require("../../src/browser/callbacks") as typeof import("../../src/browser/callbacks");
  assert.throws(() => datasets.mnist(), (error: Error) => {
    assert.ok(error instanceof ElegyPlatformError);
    assert.equal(error.message,
      "datasets.mnist() needs Node and is not available in a web page (elegy-ts's browser build). In a page, fetch the examples yourself " +
      "(e.g. a binary file served with the page, as examples/browser does) and pass tensors to fit.");
    return true;
  });
  await assert.rejects(withReplicas({}, {}, {}, 2, async () => 0), {
    message: "fit({ replicas: 2 }) needs Node and is not available in a web page (elegy-ts's browser build). " +
      "Train with one replica in the page (leave out `replicas`), or run the same model under Node to use several cores.",
  });
  assert.equal(await withReplicas({}, {}, {}, undefined, async () => 7), 7, "one replica runs the loop as it is");
  await assert.rejects(saveCheckpoint("runs/x", undefined as never, { className: "M", epoch: 0 }), /^ElegyPlatformError: Saving a checkpoint to the folder 'runs\/x' needs Node/);
  assert.equal(nativeStatus().loaded, false);
  assert.match(nativeStatus().detail, /need Node/);
  assert.throws(() => browserCallbacks.csvLogger(), /callbacks\.csvLogger \(writes a CSV file\) needs Node/);
  assert.throws(() => new browserCallbacks.TensorBoard(), /callbacks\.TensorBoard \(writes event files\) needs Node/);
});

test("the browser index exports the Node index's names, less none", () => {
  const node = require("../../src/index") as Record<string, unknown>;
  const page = require("../../src/browser/index") as Record<string, unknown>;
  assert.deepEqual(Object.keys(page).sort(), Object.keys(node).sort(), "add a new export to src/browser/index.ts too (or a Node-only stand-in there)");
  for (const ns of ["callbacks", "report", "backends"]) {
    const missing = Object.keys(node[ns] as object).filter((k) => !(k in (page[ns] as object)));
    assert.deepEqual(missing, [], `${ns}: the page's namespace has every name (a Node-only one says so when called)`);
  }
  assert.deepEqual(Object.keys(page.datasets as object).sort(), Object.keys(node.datasets as object).sort());
});
