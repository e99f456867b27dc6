// `node bin/elegy-ts.js build`, run as a user runs it: in a project folder outside the
// repository with elegy-ts installed (a link), checking exit codes, the exact lines printed,
// what is written — and that the README's transcript is what the command really prints.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { BIN, ROOT, filesIn, load, recordedNames, regressionModel, tempDir } from "./support";

const ALL = "x, yTrue, sampleWeight, classWeight, states, initializing, training";
const own = (name: string) =>
  ` To inject a value of your own, declare '${name}' in the Injectables interface of "elegy-ts" and call model.provide("${name}", value).`;

interface Run {
  status: number | null;
  stdout: string[];
  stderr: string[];
}

function elegyTs(cwd: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8" });
  const lines = (text: string) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));
  return { status: r.status, stdout: lines(r.stdout), stderr: lines(r.stderr) };
}

/** A user's project folder with elegy-ts installed and the given files. */
function project(files: Record<string, string>): string {
  const dir = tempDir("cli", true);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}


test("a misspelled step parameter: exit 1, the exact ELEGY1001 line with its suggestion, the summary, nothing written", () => {
  for (const [typed, line] of [["y_true", "y_true"], ["y_ture", "y_ture"]]) {
    const dir = project({ "model.ts": regressionModel(typed) });
    const run = elegyTs(dir, "build", "model.ts");
    assert.equal(run.status, 1, typed);
    assert.deepEqual(run.stdout, []);
    assert.deepEqual(run.stderr, [
      `model.ts(5,22): error ELEGY1001: Unknown injectable '${line}' in @testStep Regression.test. Did you mean 'yTrue'? @testStep may request: ${ALL}.${own(line)}`,
      "elegy-ts build: 1 error; nothing was written.",
    ]);
    assert.deepEqual(filesIn(dir), ["model.ts"], `${typed}: nothing written`);
  }
});

test("a good file: exit 0, silent, and the .js beside it loads with the parameter names recorded", () => {
  const dir = project({ "model.ts": regressionModel("yTrue") });
  const run = elegyTs(dir, "build", "model.ts");
  assert.deepEqual(run, { status: 0, stdout: [], stderr: [] });
  assert.deepEqual(filesIn(dir), ["model.js", "model.ts"]);
  const { Regression } = load<Record<string, { prototype: object }>>(path.join(dir, "model.js"));
  assert.deepEqual(recordedNames(Regression, "test"), ["x", "yTrue", "states", "initializing"]);
});

test("--out-dir, and -p tsconfig.json with its own outDir (which --out-dir overrides)", () => {
  const dir = project({
    "src/model.ts": regressionModel("yTrue"),
    "src/other.ts": "export const answer: number = 42;\n",
    "tsconfig.json": JSON.stringify({
      compilerOptions: { target: "ES2022", module: "node16", moduleResolution: "node16", strict: true, skipLibCheck: true, rootDir: "src", outDir: "build" },
      include: ["src"],
    }),
  });
  assert.equal(elegyTs(dir, "build", "src/model.ts", "--out-dir", "dist").status, 0);
  assert.deepEqual(filesIn(path.join(dir, "dist")), ["model.js"]);

  const run = elegyTs(dir, "build", "-p", "tsconfig.json");
  assert.deepEqual(run, { status: 0, stdout: [], stderr: [] }, "the tsconfig lacks experimentalDecorators: the build forces it");
  assert.deepEqual(filesIn(path.join(dir, "build")), ["model.js", "other.js"]);
  const { Regression } = load<Record<string, { prototype: object }>>(path.join(dir, "build/model.js"));
  assert.deepEqual(recordedNames(Regression, "test"), ["x", "yTrue", "states", "initializing"]);

  assert.equal(elegyTs(dir, "build", "--project", ".", "--out-dir", "elsewhere").status, 0, "a folder holding tsconfig.json");
  assert.deepEqual(filesIn(path.join(dir, "elsewhere")), ["model.js", "other.js"]);

  fs.writeFileSync(path.join(dir, "src/model.ts"), regressionModel("labels"));
  fs.rmSync(path.join(dir, "build"), { recursive: true });
  const failed = elegyTs(dir, "build", "-p", "tsconfig.json");
  assert.equal(failed.status, 1);
  assert.deepEqual(failed.stderr, [
    `src/model.ts(5,22): error ELEGY1001: Unknown injectable 'labels' in @testStep Regression.test. Did you mean 'yTrue'? @testStep may request: ${ALL}.${own("labels")}`,
    "elegy-ts build: 1 error; nothing was written.",
  ]);
  assert.deepEqual(filesIn(path.join(dir, "build")), [], "not even other.js, which has no error");
});

test("--help, --version, and the messages for unknown commands, unknown options and missing values", () => {
  const dir = project({});
  const version = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  assert.deepEqual(elegyTs(dir, "--version"), { status: 0, stdout: [version], stderr: [] });
  assert.deepEqual(elegyTs(dir, "-v"), { status: 0, stdout: [version], stderr: [] });

  const help = elegyTs(dir, "build", "--help");
  assert.equal(help.status, 0);
  assert.deepEqual(help.stdout.slice(0, 2), ["Usage: elegy-ts build <file.ts>... [--out-dir DIR]", "       elegy-ts build -p tsconfig.json [--out-dir DIR]"]);
  assert.deepEqual(elegyTs(dir, "help", "build"), help, "`elegy-ts help build` is the same");
  const main = elegyTs(dir, "--help");
  assert.equal(main.status, 0);
  assert.equal(main.stdout[0], "Usage: elegy-ts <command> [options]");
  assert.ok(main.stdout.some((line) => /^ {2}build {3}compile \.ts files/.test(line)), main.stdout.join("\n"));

  const err = (status: number, ...stderr: string[]): Run => ({ status, stdout: [], stderr });
  assert.deepEqual(
    elegyTs(dir, "biuld", "model.ts"),
    err(1, "elegy-ts: unknown command 'biuld'. Did you mean 'build'? Commands: build, train, export, sweep, worker. Run 'elegy-ts --help' for usage."),
  );
  assert.deepEqual(
    elegyTs(dir, "build", "model.ts", "--outdir", "dist"),
    err(1, "elegy-ts build: unknown option '--outdir'. Did you mean '--out-dir'? Options: -p/--project, --out-dir, -h/--help.", "Run 'elegy-ts build --help' for usage."),
  );
  assert.deepEqual(
    elegyTs(dir, "build", "model.ts", "--verbose"),
    err(1, "elegy-ts build: unknown option '--verbose'. Options: -p/--project, --out-dir, -h/--help.", "Run 'elegy-ts build --help' for usage."),
  );
  assert.deepEqual(elegyTs(dir, "build", "model.ts", "--out-dir"), err(1, "elegy-ts build: --out-dir needs a value, e.g. --out-dir dist."));
  assert.deepEqual(elegyTs(dir, "build", "-p"), err(1, "elegy-ts build: -p needs a value, e.g. -p tsconfig.json."));
  assert.deepEqual(elegyTs(dir, "build"), err(1, "elegy-ts build: give .ts files or -p tsconfig.json.", "Run 'elegy-ts build --help' for usage."));
  assert.deepEqual(elegyTs(dir, "build", "a.ts", "-p", "tsconfig.json"), err(1, "elegy-ts build: give either files or -p tsconfig.json, not both."));
  assert.deepEqual(
    elegyTs(dir, "build", "-p", "missing.json"),
    err(1, `error TS5058: The specified path does not exist: '${path.join(dir, "missing.json")}'.`, "elegy-ts build: 1 error; nothing was written."),
  );
  assert.deepEqual(filesIn(dir), []);
});

test("the README's Compiling transcript is, verbatim, what the command prints for the README's model", () => {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Compiling"));
  const source = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  const transcript = /```text\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(source && transcript, "the section has a ```ts model and a ```text transcript");
  const dir = project({ "model.ts": source });

  // Replays the transcript: `$ npx elegy-ts …` runs bin/elegy-ts.js (what npx runs), `$ echo $?` prints its exit code.
  const lines = transcript.replace(/\n$/, "").split("\n");
  let last: Run | undefined;
  for (let i = 0; i < lines.length; ) {
    const command = lines[i++];
    assert.match(command, /^\$ /, "a command line");
    const output: string[] = [];
    while (i < lines.length && !lines[i].startsWith("$ ")) output.push(lines[i++]);
    if (command.startsWith("$ npx elegy-ts ")) {
      last = elegyTs(dir, ...command.slice("$ npx elegy-ts ".length).split(" "));
      assert.deepEqual([...last.stdout, ...last.stderr], output, command);
    } else {
      assert.equal(command, "$ echo $?");
      assert.deepEqual(output, [String(last?.status)]);
    }
  }
  assert.equal(last?.status, 1);
  assert.deepEqual(filesIn(dir), ["model.ts"]);
  // and with the suggestion taken, the README's model builds
  fs.writeFileSync(path.join(dir, "model.ts"), source.replaceAll("y_true", "yTrue"));
  assert.equal(elegyTs(dir, "build", "model.ts").status, 0);
});
