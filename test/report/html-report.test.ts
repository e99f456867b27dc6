import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { callbacks, optimizers, tf } from "elegy-ts";
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
