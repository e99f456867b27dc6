// docs/compile-time-checks.md is driven by the same table as the diagnostics and the injector.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CODES, TRAINER_CODES } from "elegy-ts/transformer";
import { injectablesTable } from "./docs-table";
import { ROOT } from "./support";

const page = fs.readFileSync(path.join(ROOT, "docs/compile-time-checks.md"), "utf8");

test("docs: the built-in injectables table is the one the transformer and the injector use", () => {
  assert.ok(page.includes(injectablesTable()), `docs/compile-time-checks.md should hold:\n${injectablesTable()}`);
});

test("docs: every ELEGY code is documented", () => {
  for (const code of [...Object.values(CODES), ...Object.values(TRAINER_CODES)]) assert.match(page, new RegExp(`\\| ELEGY${code} \\|`), `ELEGY${code}`);
});
