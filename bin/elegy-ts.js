#!/usr/bin/env node
// The elegy-ts command: a plain-JS shim over the compiled CLI (dist/src/cli/main.js).
"use strict";
const path = require("node:path");
const fs = require("node:fs");

const entry = path.join(__dirname, "..", "dist", "src", "cli", "main.js");
if (!fs.existsSync(entry)) {
  process.stderr.write(
    `elegy-ts: the compiled command line is missing (${path.relative(process.cwd(), entry) || entry}).\n` +
      `Run \`npm run build:lib\` in ${path.resolve(__dirname, "..")} first.\n`,
  );
  process.exit(1);
}

require(entry)
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`elegy-ts: internal error: ${error && error.stack ? error.stack : error}\n`);
      process.exitCode = 1;
    },
  );
