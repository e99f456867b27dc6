import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { callbacks, optimizers, report, tf } from "elegy-ts";

const { niceTicks } = report;
import { LinearRegression, regressionData, tmpDir } from "../support/models";

test("HTML report: self-contained page, one SVG chart per quantity with train and validation curves", async () => {
  const { x, y } = regressionData(64);
  const file = path.join(tmpDir("report"), "report.html");
  const model = new LinearRegression({ optimizer: optimizers.adam(0.1), backend: "cpu" });
  await model.fit(x, y, { verbose: 0, epochs: 5, batchSize: 16, validationSplit: 0.25,
    callbacks: [callbacks.htmlReport({ file, title: "Regression <run>", facts: { backend: "cpu" } })] });
  const html = fs.readFileSync(file, "utf8");
  assert.match(html, /^<!doctype html>/);
  assert.ok(!/<script|src=|href=/i.test(html), "no scripts and no external resources");
  assert.ok(html.includes("Regression &#60;run&#62;"), "titles are escaped");
  const charts = html.match(/<svg[\s\S]*?<\/svg>/g)!;
  assert.equal(charts.length, 2, "loss (train+val) and lr");
  const lossChart = charts.find((c) => c.includes('aria-label="loss"'))!;
  assert.equal((lossChart.match(/<polyline/g) ?? []).length, 2, "train and validation curves");
  assert.equal((lossChart.match(/<circle/g) ?? []).length, 10, "5 epochs × 2 series");
  tf.dispose([x, y]);
});

test("chart ticks cover every value: the last tick is at or above the largest, the first at or below the smallest", () => {
  assert.deepEqual(niceTicks(0.91, 0.962), [0.9, 0.92, 0.94, 0.96, 0.98]);
  assert.deepEqual(niceTicks(0.7, 0.962), [0.7, 0.8, 0.9, 1]);
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-3, 7), [-4, -2, 0, 2, 4, 6, 8]);
  for (const [min, max] of [[0.2983, 0.9478], [1e-4, 3.7e-3], [12, 12]]) {
    const ticks = niceTicks(min, max);
    assert.ok(ticks[0] <= min && ticks.at(-1)! >= max, `${min}..${max}: ${ticks}`);
  }
});
