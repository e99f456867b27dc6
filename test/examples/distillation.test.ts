// examples/distillation.ts through its generated trainer (what `elegy-ts train` runs), on an
// MNIST subset: the teacher trains in the data step, the student learns from it and from the
// labels, and the teacher's States are not changed by the student's training.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { teacherModel } from "../../examples/distillation";
import { tmpDir } from "../support/models";

test("distillation: the student trained against the injected teacher and temperature learns; the teacher is only applied", { timeout: 300_000 }, async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const trainer = require(path.join(__dirname, "../../examples/distillation.trainer.js")) as { run(argv: string[], out: (line: string) => void): Promise<number> };
  process.env.ELEGY_MNIST_TRAIN_SIZE = "2048";
  process.env.ELEGY_MNIST_TEST_SIZE = "512";
  try {
    const outDir = tmpDir("distillation");
    const lines: string[] = [];
    const code = await trainer.run(["--epochs", "2", "--out-dir", outDir, "--verbose", "0", "--backend", "cpu"], (line) => void lines.push(line));
    assert.equal(code, 0, lines.join("\n"));
    const logs = JSON.parse(lines.at(-1)!) as Record<string, number>;
    assert.deepEqual(Object.keys(logs), ["loss", "distillation_loss", "crossentropy_loss", "accuracy"]);
    assert.ok(logs.accuracy > 0.8, `the student's test accuracy: ${logs.accuracy}`);
    assert.ok(Number.isFinite(logs.distillation_loss) && logs.distillation_loss > 0);
    assert.deepEqual(fs.readdirSync(outDir).sort(), ["checkpoint", "history.csv", "report.html"]);
    // The data step trained the teacher for its one epoch; the student's steps only applied it.
    assert.equal(teacherModel.epoch, 1);
  } finally {
    delete process.env.ELEGY_MNIST_TRAIN_SIZE;
    delete process.env.ELEGY_MNIST_TEST_SIZE;
  }
});
