// The import-cycle check that `npm test` runs first: it must fail on a cycle — type-only
// imports, import("…") types, side-effect imports and re-exports included — and print it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");
const SCRIPT = path.join(ROOT, "scripts/check-cycles.js");

function check(...folders: string[]) {
  const run = spawnSync(process.execPath, [SCRIPT, ...folders], { cwd: ROOT, encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test("a cycle through type imports, or through side-effect imports and re-exports, fails the check and is printed", () => {
  const { status, stderr } = check("test/fixtures/cycles/tangled");
  assert.equal(status, 1);
  assert.equal(
    stderr,
    "2 import cycles (type imports count too):\n" +
      "  test/fixtures/cycles/tangled/left.ts → test/fixtures/cycles/tangled/right.ts → test/fixtures/cycles/tangled/left.ts\n" +
      "  test/fixtures/cycles/tangled/first.ts → test/fixtures/cycles/tangled/second.ts → test/fixtures/cycles/tangled/third.ts → test/fixtures/cycles/tangled/first.ts\n" +
      "    (the same knot also holds test/fixtures/cycles/tangled/fourth.ts)\n" +
      "Move the shared declarations into a lower module that both sides import.\n",
  );
});

test("a graph whose imports only flow down passes", () => {
  const { status, stdout } = check("test/fixtures/cycles/clean");
  assert.equal(status, 0);
  assert.equal(stdout, "No import cycles among 3 files under test/fixtures/cycles/clean.\n");
});

test("the library and the transformer have no import cycle", () => {
  const { status, stdout, stderr } = check();
  assert.equal(stderr, "");
  assert.equal(status, 0);
  assert.match(stdout, /^No import cycles among \d+ files under src, transformer\.\n$/);
});
