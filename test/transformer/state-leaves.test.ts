// Plain numbers and booleans as States leaves, at compile time: a user's step writes them into
// netStates/optimizerStates/metricsStates and reads them back with no double cast, nn modules take
// states.netStates as they always did, and what does not belong in a States tree does not compile.
// The compiled model then trains, saves and loads with those leaves intact.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { build } from "elegy-ts/transformer";
import { tf } from "elegy-ts";
import { filesIn, load, tempDir } from "./support";

/** Builds one model.ts in a project where elegy-ts is installed; returns the printed diagnostics and where the output went. */
function compile(source: string) {
  const dir = tempDir("state-leaves", true);
  fs.writeFileSync(path.join(dir, "model.ts"), source);
  const result = build({ files: ["model.ts"], outDir: path.join(dir, "out"), cwd: dir });
  return { dir, result, written: filesIn(path.join(dir, "out")) };
}

const MODELS = `import { Model, States, nn, trainStep, predStep, tf, type ApplyContext, type Logs, type Module, type StateTree, type TensorTree } from "elegy-ts";

/** What Counting keeps in netStates: a module's own states beside a counter, a flag and a tensor. */
type Kept = { count: number; flag: boolean; w: tf.Tensor; module: StateTree };

/** Custom steps that keep plain leaves next to the module's states. */
export class Counting extends Model {
  readonly mlp = new nn.Sequential([new nn.Linear(3), new nn.BatchNorm(), nn.relu, new nn.Linear(1)]);

  @trainStep
  train(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [Logs, States] {
    if (initializing) {
      const created = this.mlp.init(states.rng, x);
      return [{}, states.update({
        netParams: created.params,
        netStates: { count: 3, flag: true, w: tf.zeros([2]), module: created.states },
        optimizerStates: { step: 0, warm: false },
        metricsStates: { batches: 0 },
      })];
    }
    const kept = states.netStates as Kept;
    const { step } = states.optimizerStates as { step: number; warm: boolean };
    const { batches } = states.metricsStates as { batches: number };
    const [yPred, module] = this.mlp.apply(states.netParams, kept.module, x, { training: true, rng: states.rng });
    const loss = tf.mean(tf.square(tf.sub(yPred as tf.Tensor, yTrue)));
    const netStates = { ...kept, count: kept.count + 1, flag: !kept.flag, w: tf.add(kept.w, 1), module };
    return [{ loss }, states.update({ netStates, optimizerStates: { step: step + 2, warm: true }, metricsStates: { batches: batches + 1 } })];
  }
}

/** A module of the user's own whose states are a plain number. */
export class CallCounter implements Module {
  readonly name = "call_counter";
  init(_rng: unknown, _x: TensorTree): { params: TensorTree; states: StateTree } {
    return { params: {}, states: { calls: 0 } };
  }
  apply(_params: TensorTree, states: StateTree, x: TensorTree, ctx: ApplyContext): [TensorTree, StateTree] {
    const { calls } = states as { calls: number };
    return [x, ctx.training ? { calls: calls + 1 } : states];
  }
}

/** As the examples write it: the module's apply takes states.netStates unchanged. */
export class Passing extends Model {
  readonly net = new nn.Sequential([new nn.Linear(2), new CallCounter(), new nn.Dropout(0.1)]);

  @predStep
  forward(x: tf.Tensor, states: States, initializing: boolean, training: boolean): [tf.Tensor, States] {
    if (initializing) {
      const created = this.net.init(states.rng, x);
      states = states.update({ netParams: created.params, netStates: created.states });
    }
    const [y, netStates] = this.net.apply(states.netParams, states.netStates, x, { training, rng: states.rng });
    return [y as tf.Tensor, states.update({ netStates })];
  }
}
`;

test("States leaves: numbers and booleans in netStates, optimizerStates and metricsStates compile, and nn modules take states.netStates", () => {
  const { result, written } = compile(MODELS);
  assert.deepEqual(result.diagnostics, []);
  assert.equal(result.exitCode, 0);
  assert.deepEqual(written, ["model.js"]);
});

test("States leaves: the compiled model trains, saves and loads its plain leaves", async () => {
  const { dir } = compile(MODELS);
  type Fields = { netParams: unknown; netStates: Record<string, unknown>; optimizerStates: unknown; metricsStates: unknown };
  type Counting = { states: Fields; fit(x: tf.Tensor, y: tf.Tensor, o: object): Promise<unknown>; save(dir: string): Promise<void> };
  const { Counting } = load<{ Counting: { new (): Counting; load(dir: string): Promise<Counting> } }>(path.join(dir, "out/model.js"));
  const x = tf.randomNormal([8, 4], 0, 1, "float32", 1);
  const y = tf.randomNormal([8, 1], 0, 1, "float32", 2);
  const model = new Counting();
  await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
  // Two batches after the init: count 3 → 5, the flag flipped twice, step 0 → 4, w 0 → 2.
  const expect = (states: Fields) => {
    assert.equal(states.netStates.count, 5);
    assert.equal(states.netStates.flag, true);
    assert.deepEqual(Array.from((states.netStates.w as tf.Tensor).dataSync()), [2, 2]);
    assert.deepEqual(states.optimizerStates, { step: 4, warm: true });
    assert.deepEqual(states.metricsStates, { batches: 2 });
  };
  expect(model.states);
  await model.save(path.join(dir, "ckpt"));

  const before = tf.memory().numTensors;
  const loaded = await Counting.load(path.join(dir, "ckpt"));
  expect(loaded.states);
  // The loaded model holds the checkpoint's tensors and no more: the architecture check's trial init freed its own.
  const count = (tree: unknown): number =>
    tree instanceof tf.Tensor ? 1 : tree && typeof tree === "object" ? Object.values(tree).reduce((n: number, v) => n + count(v), 0) : 0;
  assert.equal(tf.memory().numTensors - before, count(loaded.states.netParams) + count(loaded.states.netStates));
  tf.dispose([x, y]);
});

test("States leaves: what is not a leaf does not compile, and netParams stays tensors (it is differentiated)", () => {
  const { result, written } = compile(`import { Model, States, predStep, tf } from "elegy-ts";
export class Wrong extends Model {
  @predStep
  forward(x: tf.Tensor, states: States): [tf.Tensor, States] {
    const when = states.update({ netStates: { started: new Date() } });
    const counted = states.update({ netParams: { count: 3 } });
    const read = (states.netParams as { count: number }).count;
    return [x.mul(read), when.update(counted.fields())];
  }
}
`);
  assert.equal(result.exitCode, 1);
  assert.deepEqual(written, []);
  assert.deepEqual(result.diagnostics, [
    "model.ts(5,34): error TS2322: Type '{ started: Date; }' is not assignable to type 'StateTree'.\n" +
      "  Types of property 'started' are incompatible.\n" +
      "    Type 'Date' is not assignable to type 'StateTree'.\n" +
      "      Type 'Date' is not assignable to type '{ readonly [key: string]: StateTree; }'.\n" +
      "        Index signature for type 'string' is missing in type 'Date'.",
    "model.ts(6,37): error TS2322: Type '{ count: number; }' is not assignable to type 'TensorTree'.\n" +
      "  Types of property 'count' are incompatible.\n" +
      "    Type 'number' is not assignable to type 'TensorTree'.",
    // The assertion Counting makes on netStates is refused on netParams, whose leaves are tensors only.
    "model.ts(7,19): error TS2352: Conversion of type 'TensorTree' to type '{ count: number; }' may be a mistake because neither type sufficiently overlaps with the other. " +
      "If this was intentional, convert the expression to 'unknown' first.\n" +
      "  Property 'count' is missing in type '{ readonly [key: string]: TensorTree; }' but required in type '{ count: number; }'.",
  ]);
});
