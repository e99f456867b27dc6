// Model.load of a subclass with constructor options of its own: they reach the constructor (so
// the architecture it builds can be checked against the checkpoint's), they are typed, and a
// misspelt load option is still refused before anything is built.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ElegyCheckpointError, Model, losses, nn, optimizers, tf, type ModelOptions } from "elegy-ts";
import { build } from "elegy-ts/transformer";
import { tmpDir } from "../support/models";
import { filesIn, tempDir } from "../transformer/support";

/** Its hidden width is a constructor option: the checkpoint alone cannot rebuild it. */
class Wide extends Model {
  readonly hidden: number;

  constructor(options: { hidden: number } & ModelOptions) {
    const { hidden, ...modelOptions } = options;
    super({
      module: new nn.Sequential([new nn.Linear(hidden), nn.relu, new nn.Linear(1)]),
      loss: losses.meanSquaredError(),
      optimizer: optimizers.adam(0.01),
      backend: "cpu",
      ...modelOptions,
    });
    this.hidden = hidden;
  }
}

const data = () => ({ x: tf.randomNormal([16, 4], 0, 1, "float32", 5), y: tf.randomNormal([16, 1], 0, 1, "float32", 6) });

async function savedWide(): Promise<{ dir: string; model: Wide; x: tf.Tensor; y: tf.Tensor }> {
  const { x, y } = data();
  const model = new Wide({ hidden: 16 });
  await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
  const dir = tmpDir("load-options");
  await model.save(dir);
  return { dir, model, x, y };
}

test("Model.load: a subclass's own constructor option reaches its constructor, and the checkpoint loads bit-identically", async () => {
  const { dir, model, x, y } = await savedWide();
  const before = tf.memory().numTensors;
  const loaded = await Wide.load(dir, { hidden: 16, allowOtherClass: false });
  assert.ok(loaded instanceof Wide);
  assert.equal(loaded.hidden, 16);
  const kernel = (m: Model) => ((m.states.netParams as Record<string, Record<string, tf.Tensor>>).linear.kernel);
  assert.deepEqual(kernel(loaded).shape, [4, 16]);
  assert.deepEqual(Array.from(kernel(loaded).dataSync()), Array.from(kernel(model).dataSync()));
  const [a, b] = [(await model.predict(x)) as tf.Tensor, (await loaded.predict(x)) as tf.Tensor];
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  tf.dispose([a, b]);
  // What the loaded model holds is the checkpoint's states, nothing more.
  const held = loaded.states.tensors().size;
  assert.equal(tf.memory().numTensors - before, held);
  tf.dispose([x, y]);
});

test("Model.load: the wrong width is refused by the architecture check, leaking nothing", async () => {
  const { dir, x, y } = await savedWide();
  const before = tf.memory().numTensors;
  await assert.rejects(Wide.load(dir, { hidden: 8 }), (error: Error) => {
    assert.ok(error instanceof ElegyCheckpointError, `${error.name}: ${error.message}`);
    assert.equal(
      error.message,
      `The checkpoint at ${dir} (saved from Wide) does not fit this Wide: 9 leaves differ:\n` +
        "  netParams.linear.kernel: the checkpoint has [4, 16], this model [4, 8]\n" +
        "  netParams.linear.bias: the checkpoint has [16], this model [8]\n" +
        "  netParams.linear_1.kernel: the checkpoint has [16, 1], this model [8, 1]\n" +
        "  optimizerStates.slots.m.linear.bias: the checkpoint has [16], this model [8]\n" +
        "  optimizerStates.slots.m.linear.kernel: the checkpoint has [4, 16], this model [4, 8]\n" +
        "  … and 4 more\n" +
        "Build the model as the one that saved it (same module, layers and optimizer), or load a checkpoint of this architecture.",
    );
    return true;
  });
  assert.equal(tf.memory().numTensors, before, "a refused load leaks no tensor");
  tf.dispose([x, y]);
});

test("Model.load: a misspelt load option is refused before the model is built; a misspelt model option by Model's constructor", async () => {
  const { dir, x, y } = await savedWide();
  const before = tf.memory().numTensors;
  await assert.rejects(Wide.load(dir, { hidden: 16, allowOtherclass: true } as never), {
    name: "ElegyInputError",
    message: "Wide.load() got an unknown option 'allowOtherclass'. Did you mean 'allowOtherClass'? Valid options: module, loss, metrics, optimizer, seed, backend, runEagerly, allowOtherClass.",
  });
  await assert.rejects(Wide.load(dir, { hidden: 16, optimzer: optimizers.sgd(0.1) } as never), {
    name: "ElegyInputError",
    message:
      "new Wide() got an unknown option 'optimzer'. Did you mean 'optimizer'? Valid options: module, loss, metrics, optimizer, seed, backend, runEagerly, " +
      "and those of Wide's own constructor, which passed this one on to Model's.",
  });
  // Model itself has no options of its own: any other key is refused by load, as before.
  await assert.rejects(Model.load(dir, { hidden: 16 } as never), {
    name: "ElegyInputError",
    message: "Model.load() got an unknown option 'hidden'. Valid options: module, loss, metrics, optimizer, seed, backend, runEagerly, allowOtherClass.",
  });
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, y]);
});

test("Model.load: a subclass that needs its own options, loaded without any, says to pass them", async () => {
  const { dir, x, y } = await savedWide();
  await assert.rejects((Wide.load as (dir: string) => Promise<Wide>).call(Wide, dir), {
    name: "ElegyInputError",
    message:
      "Wide.load() builds the model as new Wide(options) from the options you pass, and got none, so the constructor failed: " +
      "Linear units must be a positive integer, got undefined. Pass the options Wide was built with: Wide.load(dir, { … }).",
  });
  tf.dispose([x, y]);
});

test("Model.load: its options are typed by the class's constructor, plus the load options", () => {
  const dir = tempDir("load-options", true);
  fs.writeFileSync(
    path.join(dir, "model.ts"),
    `import { Model, nn, type ModelOptions } from "elegy-ts";
export class Wide extends Model {
  constructor(readonly options: { hidden: number } & ModelOptions) {
    super({ module: new nn.Linear(options.hidden) });
  }
}
export class Plain extends Model {}
export async function ok(dir: string): Promise<number> {
  const wide: Wide = await Wide.load(dir, { hidden: 16, allowOtherClass: true, seed: 1 });
  const plain: Plain = await Plain.load(dir);
  const model: Model = await Model.load(dir, { allowOtherClass: true });
  return wide.options.hidden + (plain === model ? 1 : 0);
}
export async function bad(dir: string): Promise<void> {
  await Wide.load(dir);
  await Wide.load(dir, { hidden: "16" });
  await Plain.load(dir, { hidden: 16 });
}
`,
  );
  const result = build({ files: ["model.ts"], outDir: path.join(dir, "out"), cwd: dir });
  assert.equal(result.exitCode, 1);
  assert.deepEqual(filesIn(path.join(dir, "out")), []);
  assert.deepEqual(result.diagnostics, [
    "model.ts(15,14): error TS2554: Expected 2 arguments, but got 1.",
    "model.ts(16,26): error TS2322: Type 'string' is not assignable to type 'number'.",
    "model.ts(17,27): error TS2353: Object literal may only specify known properties, and 'hidden' does not exist in type 'ModelOptions & LoadOptions'.",
  ]);
});
