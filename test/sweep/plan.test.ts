// A sweep's definition and its trials, without running any: grid and seeded random search, the
// objective's direction, the exact texts of bad definitions (in @trainer and in --config), and the
// compile-time check that each swept name is a constructor option of the right type.
import test from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { Model, trainer, type TrainerOptions } from "elegy-ts";
import { build } from "elegy-ts/transformer";

// Internal modules (not part of the package's exports), reached through the built tree.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { planTrials, methodOf } = require("../../src/sweep/plan") as typeof import("../../src/sweep/plan");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { checkSweepSpec, objectiveMode } = require("../../src/sweep/spec") as typeof import("../../src/sweep/spec");

const ROOT = path.resolve(__dirname, "../../..");

test("grid: every combination in order, ranges as 0 … n-1, --trials caps it", () => {
  const spec = checkSweepSpec("t", { sweep: { hidden: [64, 128], seed: { range: 2 } }, objective: "val_loss" });
  assert.equal(methodOf(spec), "grid");
  assert.deepEqual(planTrials(spec), [
    { id: "trial-001", values: { hidden: 64, seed: 0 } },
    { id: "trial-002", values: { hidden: 64, seed: 1 } },
    { id: "trial-003", values: { hidden: 128, seed: 0 } },
    { id: "trial-004", values: { hidden: 128, seed: 1 } },
  ]);
  assert.deepEqual(planTrials(spec, 3).map((t) => t.id), ["trial-001", "trial-002", "trial-003"]);
});

test("random search: seeded (the same draws every time, others with another searchSeed), within bounds", () => {
  const definition = { sweep: { learningRate: { logUniform: [1e-4, 1e-2] }, dropout: { uniform: [0.1, 0.5] }, hidden: [64, 128, 256], seed: { range: 3 } }, trials: 12, objective: "val_loss" };
  const spec = checkSweepSpec("t", definition);
  assert.equal(methodOf(spec), "random");
  const trials = planTrials(spec);
  assert.equal(trials.length, 12);
  assert.deepEqual(planTrials(checkSweepSpec("t", structuredClone(definition))), trials, "the same definition, the same trials");
  assert.notDeepEqual(planTrials(checkSweepSpec("t", { ...definition, searchSeed: 1 })), trials);
  for (const { values } of trials) {
    assert.ok((values.learningRate as number) >= 1e-4 && (values.learningRate as number) <= 1e-2);
    assert.ok((values.dropout as number) >= 0.1 && (values.dropout as number) <= 0.5);
    assert.ok([64, 128, 256].includes(values.hidden as number));
    assert.ok([0, 1, 2].includes(values.seed as number));
  }
  const rates = trials.map((t) => Math.log10(t.values.learningRate as number));
  assert.ok(Math.min(...rates) < -3 && Math.max(...rates) > -3, "log-uniform draws fall on both sides of 1e-3");
  assert.equal(planTrials(checkSweepSpec("t", { sweep: { lr: { uniform: [0, 1] } }, objective: "loss" })).length, 10, "10 trials by default");
});

test("the objective is minimized unless it ends in accuracy, auc or f1, or mode says max", () => {
  assert.deepEqual(
    ["val_loss", "val_sparse_categorical_accuracy", "auc", "val_f1", "loss"].map((name) => objectiveMode(name)),
    ["min", "max", "max", "max", "min"],
  );
  assert.equal(objectiveMode("val_loss", "max"), "max");
  assert.equal(objectiveMode("accuracy", "min"), "min");
});

test("bad sweep definitions are refused in words naming the option, in @trainer as at the command line", () => {
  const bad = (given: Record<string, unknown>) => () => checkSweepSpec("--config sweep.json", given);
  assert.throws(bad({ sweep: { lr: [1e-3] }, objective: "val_loss", trails: 3 }), {
    message: "--config sweep.json: unknown sweep option 'trails'. Did you mean 'trials'? Sweep options: sweep, trials, objective, mode, method, searchSeed.",
  });
  assert.throws(bad({ sweep: {}, objective: "val_loss" }), {
    message: "--config sweep.json: sweep must name at least one parameter, e.g. sweep: { learningRate: { logUniform: [1e-4, 1e-2] }, hidden: [64, 128] }; got {}.",
  });
  assert.throws(bad({ sweep: { lr: { loguniform: [1e-4, 1e-2] } }, objective: "val_loss" }), {
    message: `--config sweep.json: sweep.lr must be a list of values, { logUniform: [lo, hi] }, { uniform: [lo, hi] } or { range: n }, got {"loguniform":[0.0001,0.01]}. Did you mean 'logUniform'?`,
  });
  assert.throws(bad({ sweep: { lr: { logUniform: [0, 1e-2] } }, objective: "val_loss" }), { message: "--config sweep.json: sweep.lr: logUniform needs bounds above 0, got [0,0.01]." });
  assert.throws(bad({ sweep: { lr: { uniform: [1, 1] } }, objective: "val_loss" }), { message: "--config sweep.json: sweep.lr: uniform needs [lo, hi] with lo < hi, got [1,1]." });
  assert.throws(bad({ sweep: { seed: { range: 0 } }, objective: "val_loss" }), { message: "--config sweep.json: sweep.seed: range must be a positive integer (the values 0 … n-1), got 0." });
  assert.throws(bad({ sweep: { hidden: [] }, objective: "val_loss" }), { message: "--config sweep.json: sweep.hidden is an empty list; give it at least one value." });
  assert.throws(bad({ sweep: { hidden: [64] } }), {
    message: "--config sweep.json: a sweep needs an objective: the log name that ranks its trials, e.g. objective: \"val_loss\"; got undefined.",
  });
  assert.throws(bad({ sweep: { lr: { uniform: [0, 1] } }, objective: "loss", method: "grid" }), {
    message: '--config sweep.json: method "grid" needs lists or ranges, but lr is drawn from an interval; use method "random" or list the values.',
  });
  assert.throws(bad({ sweep: { hidden: [64] }, objective: "loss", mode: "maximize" }), { message: '--config sweep.json: mode must be "min" or "max", got "maximize".' });

  // The same check runs when @trainer decorates, as an ElegyDefinitionError.
  const decorate = (options: Record<string, unknown>) => () => trainer({ data: { train: { x: [] } }, ...options } as unknown as TrainerOptions)(class Swept extends Model {});
  assert.throws(decorate({ sweep: { hidden: [] }, objective: "val_loss" }), { name: "ElegyDefinitionError", message: "@trainer of Swept: sweep.hidden is an empty list; give it at least one value." });
  assert.throws(decorate({ objective: "val_loss", trials: 3 }), {
    name: "ElegyDefinitionError",
    message: "@trainer of Swept: trials, objective belong to a sweep, which needs sweep: { name: values, … } too.",
  });
});

test("@trainer's sweep is typed against the constructor's options: unknown names and wrong value types do not compile", () => {
  const result = build({ files: [path.join(ROOT, "test/fixtures/sweep/typed-sweep.ts")], outDir: path.join(ROOT, "dist", "fixture-out", `typed-sweep-${process.pid}`), cwd: ROOT });
  const errors = result.diagnostics.filter((line) => /error TS/.test(line));
  assert.deepEqual(
    errors.map((line) => /typed-sweep\.ts\((\d+),/.exec(line)?.[1]),
    ["8", "10", "12"],
    "Misspelled, WrongType and NoOptions; Good and NoSweep compile",
  );
  const text = result.diagnostics.join("\n");
  assert.match(text, /"sweep names the constructor's options do not take": "hiden"/);
  assert.match(text, /"sweep values of these names do not fit the constructor's options": "hidden"/);
  assert.match(text, /typeof NoOptions & \{ "sweep names the constructor's options do not take": "hidden"; \}/);
});
