// model.save(path) where a file is in the way used to fail with mkdir's raw EEXIST (or ENOTDIR);
// it now says, as loading does, that the path is a file and not a folder, and what to give.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ElegyCheckpointError, Model, optimizers, tf } from "elegy-ts";
import { LinearRegression, regressionData, tmpDir } from "../support/models";

test("save onto a file, or below one, is refused with the file named; the file is left as it was", async () => {
  const { x, y } = regressionData(32, 2);
  const model = new LinearRegression({ optimizer: optimizers.sgd(0.1), backend: "cpu" });
  await model.fit(x, y, { epochs: 1, verbose: 0 });
  const root = tmpDir("save-onto-file");
  const file = path.join(root, "afile");
  fs.writeFileSync(file, "mine");
  await assert.rejects(model.save(file), (e: Error) => {
    assert.ok(e instanceof ElegyCheckpointError);
    assert.equal(
      e.message,
      `Cannot save to ${file}: ${file} is a file, not a folder. model.save(dir) writes a folder (its checkpoint.safetensors inside): ` +
        "give the path of a new folder, or of a checkpoint folder to replace.",
    );
    return true;
  });
  const below = path.join(file, "run", "checkpoint");
  await assert.rejects(model.save(below), { message: new RegExp(`^Cannot save to ${below.replace(/[/.]/g, "\\$&")}: ${file.replace(/[/.]/g, "\\$&")} is a file, not a folder\\.`) });
  assert.equal(fs.readFileSync(file, "utf8"), "mine");
  // Loading the same path keeps its own message; saving to a folder there works.
  await assert.rejects(Model.load(file), /is a file, not a folder/);
  const dir = path.join(root, "ck");
  await model.save(dir);
  const loaded = await LinearRegression.load(dir, { optimizer: optimizers.sgd(0.1), backend: "cpu" });
  assert.deepEqual((loaded.states.netParams as tf.Tensor).dataSync(), (model.states.netParams as tf.Tensor).dataSync());
  [model, loaded].forEach((m) => m.dispose());
  tf.dispose([x, y]);
});
