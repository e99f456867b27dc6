#!/usr/bin/env node
// The elegy-ts command: a thin shim over the compiled CLI.
"use strict";
const path = require("node:path");
const fs = require("node:fs");
const entry = path.join(__dirname, "..", "dist", "src", "cli", "main.js");
if (!fs.existsSync(entry)) {
  console.error("elegy-ts: the compiled CLI is missing (dist/src/cli/main.js). Run `npm run build:lib` in the elegy-ts folder.");
  process.exit(1);
}
require(entry)
  .main(process.argv.slice(2))
  .then((code) => process.exit(code), (error) => {
    console.error(error && error.stack ? error.stack : error);
    process.exit(1);
  });
