#!/usr/bin/env node
// Fails (exit 1) when the TypeScript sources under the given folders import each other in a
// cycle, and prints each cycle as a chain of files. Every import counts, `import type` and
// `import("…")` types included: a type import is still a dependency a reader has to follow.
// Usage: node scripts/check-cycles.js [folder…]   (default: src transformer)
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const ts = require("typescript");

/** Every .ts file under `dir` (declaration files excluded). */
function sourceFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

/** The file a relative specifier names, as the compiler would resolve it; undefined for packages. */
function resolve(from, specifier) {
  if (!specifier.startsWith(".")) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  const stem = base.replace(/\.js$/, "");
  for (const candidate of [`${stem}.ts`, path.join(stem, "index.ts"), base]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Relative imports of one file: import/export … from, import type, side-effect imports, import("…"), require("…"). */
function importsOf(file) {
  const info = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
  const targets = new Set();
  for (const ref of info.importedFiles) {
    // A #platform/<name> seam (package.json "imports") leads to both sides: Node's and the page's.
    const seam = /^#platform\/(.+)$/.exec(ref.fileName);
    const specifiers = seam ? ["node", "browser"].map((side) => path.resolve("src/platform", side, seam[1])) : [ref.fileName];
    for (const specifier of specifiers) {
      const target = resolve(file, seam ? `./${path.relative(path.dirname(file), specifier)}` : specifier);
      if (target !== undefined) targets.add(target);
    }
  }
  return [...targets].sort();
}

/** The import graph of `files`: file → the files it imports, restricted to `files`. */
function importGraph(files) {
  const known = new Set(files);
  return new Map(files.map((f) => [f, importsOf(f).filter((t) => known.has(t))]));
}

/**
 * The cycles of the graph: one per strongly connected component that has one (Tarjan), as
 * { loop: a shortest loop through the component's first file, files: every file of the component }.
 */
function findCycles(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = graph.get(v).includes(v);
      if (component.length > 1 || selfLoop) components.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((files) => ({ loop: shortestLoop(graph, new Set(files), files[0]), files }));
}

/** A shortest path from `start` back to itself inside `members` (breadth first). */
function shortestLoop(graph, members, start) {
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of graph.get(v)) {
      if (!members.has(w)) continue;
      if (w === start) {
        const loop = [v];
        while (loop[0] !== start) loop.unshift(previous.get(loop[0]));
        return [...loop, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

function main(argv) {
  const roots = argv.length > 0 ? argv : ["src", "transformer"];
  const files = roots.flatMap((r) => sourceFiles(path.resolve(r)));
  const cycles = findCycles(importGraph(files));
  const shown = (f) => path.relative(process.cwd(), f);
  if (cycles.length === 0) {
    console.log(`No import cycles among ${files.length} files under ${roots.join(", ")}.`);
    return 0;
  }
  console.error(`${cycles.length} import cycle${cycles.length === 1 ? "" : "s"} (type imports count too):`);
  for (const { loop, files } of cycles) {
    console.error(`  ${loop.map(shown).join(" → ")}`);
    const others = files.filter((f) => !loop.includes(f));
    if (others.length > 0) console.error(`    (the same knot also holds ${others.map(shown).join(", ")})`);
  }
  console.error("Move the shared declarations into a lower module that both sides import.");
  return 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { importGraph, findCycles, sourceFiles };
