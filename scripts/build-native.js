#!/usr/bin/env node
// Builds the optional native kernels (native/*.cc, listed in binding.gyp → build/Release/elegy_kernels.node)
// with node-gyp. Run as elegy-ts's install script and by `npm run build:native`. It never fails
// the install: without a compiler or Node headers, elegy-ts runs on wasm's own kernels.
// ELEGY_NATIVE=0 skips the build.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const verbose = process.argv.includes("--verbose");

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    (() => { try { return require.resolve("node-gyp/bin/node-gyp.js"); } catch { return undefined; } })(),
    path.join(path.dirname(process.execPath), "../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"),
  ];
  return candidates.find((c) => c && fs.existsSync(c));
}

function main() {
  if (process.env.ELEGY_NATIVE === "0") return say("skipped (ELEGY_NATIVE=0)");
  if (!fs.existsSync(path.join(root, "binding.gyp"))) return say("skipped (no binding.gyp)");
  const gyp = nodeGyp();
  if (!gyp) return say("not built: node-gyp not found; using the wasm kernels");
  const args = [gyp, "rebuild"];
  // Build against the running Node's own headers when they are installed (no download).
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, "include/node/node_api.h"))) args.push(`--nodedir=${prefix}`);
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", stdio: verbose ? "inherit" : "pipe" });
  if (result.status === 0) return say("native kernels built (build/Release/elegy_kernels.node)");
  const log = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n");
  const cause = log.find((line) => /error/i.test(line)) ?? log.pop() ?? result.error?.message ?? `exit ${result.status}`;
  say(`native kernels not built (${cause.trim()}); using the wasm kernels`);
}

function say(line) {
  process.stdout.write(`elegy-ts: ${line}\n`);
}

main();
