// Steps served by replaying their recorded kernels (src/trace) must be indistinguishable from
// eager steps in everything but speed: bit-for-bit the same States, logs and predictions, the
// same device checks, no leaked tensor or buffer; and every step the replay cannot hold (reads
// back, draws from the rng, reads a tensor outside its inputs) must keep running eagerly.
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyInputError, Model, States, callbacks, datasets, losses, metrics, nn, optimizers, testStep, tf, type Logs } from "elegy-ts";
import { internalsOf } from "../../src/model/model";
import { leafPaths } from "../../src/tree";

declare module "elegy-ts" {
  interface Injectables {
    replayScale: number;
  }
}

const replayed = (model: Model) => internalsOf(model).runner.traced.replayed;
const numDataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

function mlp(backend: string, runEagerly: boolean): Model {
  return new Model({
    module: new nn.Sequential([new nn.Flatten(), new nn.Linear(32), nn.relu, new nn.Linear(10)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: metrics.sparseCategoricalAccuracy(),
    optimizer: optimizers.adam(1e-3),
    seed: 3,
    backend,
    runEagerly,
  });
}

async function mnistSlice(n: number): Promise<{ x: tf.Tensor; y: tf.Tensor }> {
  const { train } = await datasets.mnist({ trainSize: n, testSize: 1 });
  const x = tf.tidy(() => train.x.div(255));
  train.x.dispose();
  return { x, y: train.y };
}

/** Every leaf of both States, bit for bit (the rng by its state). */
function assertSameStates(a: States, b: States): void {
  const paths = (s: States) => leafPaths([s.netParams, s.netStates, s.optimizerStates, s.metricsStates]);
  const left = paths(a);
  const right = paths(b);
  assert.deepEqual(left.map(([p]) => p), right.map(([p]) => p));
  left.forEach(([path, t], i) => {
    const u = right[i][1];
    assert.deepEqual(Buffer.from(t.dataSync().buffer), Buffer.from(u.dataSync().buffer), `leaf ${path} differs`);
  });
  assert.deepEqual(a.rng.state, b.rng.state);
}

for (const backend of ["wasm", "cpu"]) {
  test(`replay (${backend}): fit, validation, evaluate and predict are bit for bit the eager ones, and leak nothing`, async () => {
    const { x, y } = await mnistSlice(1000); // 1000 = 15 batches of 64 and one of 40: two keys
    const fast = mlp(backend, false);
    const eager = mlp(backend, true);
    const options = { epochs: 3, batchSize: 64, verbose: 0 as const, validationSplit: 0.2 };
    const [h1, h2] = [await fast.fit(x, y, options), await eager.fit(x, y, options)];
    assert.deepEqual(h1.history, h2.history);
    assertSameStates(fast.states, eager.states);
    assert.ok(replayed(fast) > 0, "the fast model replayed steps");
    assert.equal(replayed(eager), 0, "runEagerly: true never replays");

    assert.deepEqual(await fast.evaluate(x, y, { batchSize: 128, verbose: 0 }), await eager.evaluate(x, y, { batchSize: 128, verbose: 0 }));
    const [p1, p2] = [(await fast.predict(x, { batchSize: 128 })) as tf.Tensor, (await eager.predict(x, { batchSize: 128 })) as tf.Tensor];
    assert.deepEqual(Buffer.from(p1.dataSync().buffer), Buffer.from(p2.dataSync().buffer));
    tf.dispose([p1, p2]);

    // A fit on all 1000 rows: of its 15 full batches the first is recorded again (each epoch checks
    // its programs still agree) and 14 are replayed; the last, of 40 rows, is a new shape (recorded).
    // Neither tensors nor backend buffers grow.
    const tensors = tf.memory().numTensors;
    const buffers = numDataIds();
    const before = replayed(fast);
    await fast.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0 });
    assert.equal(replayed(fast) - before, 14, "14 of the 15 full batches were replayed");
    assert.equal(tf.memory().numTensors, tensors, "no tensor leaked");
    assert.equal(numDataIds(), buffers, "no backend buffer leaked");
    tf.dispose([x, y]);
  });
}

/** The regression's test step: loss of (x·w)·scale + offset against y (w created at init). */
function regressionStep(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean, scale: number, offset?: tf.Tensor): [tf.Scalar, Logs, States] {
  const w = initializing ? tf.zeros([x.shape[1]!, 1]) : (states.netParams as tf.Tensor);
  let yPred = x.matMul(w).reshape([-1]).mul(scale);
  if (offset !== undefined) yPred = yPred.add(offset);
  const loss = tf.mean(tf.square(yPred.sub(yTrue))) as tf.Scalar;
  return [loss, { loss }, states.update({ netParams: w })];
}

/** y = scale · x·w, fitted by a test step; `onCall` sees every call that runs the step's code. */
function regression(runEagerly: boolean, onCall: (loss: tf.Scalar) => void = () => undefined): Model {
  class Regression extends Model {
    @testStep
    test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean, replayScale: number): [tf.Scalar, Logs, States] {
      const result = regressionStep(x, yTrue, states, initializing, replayScale);
      onCall(result[0]);
      return result;
    }
  }
  return new Regression({ optimizer: optimizers.sgd(0.05), runEagerly, backend: "wasm" }).provide("replayScale", 1);
}

/** The plain regression (scale 1) on `backend`. */
function regressionOn(backend: string, runEagerly?: boolean): Model {
  class Plain extends Model {
    @testStep
    test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
      return regressionStep(x, yTrue, states, initializing, 1);
    }
  }
  return new Plain({ optimizer: optimizers.sgd(0.05), backend, runEagerly });
}

function regressionData(): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.randomNormal([320, 4], 0, 1, "float32", 7);
    return { x, y: x.matMul(tf.tensor2d([[1], [-2], [3], [0.5]])).reshape([-1]) };
  });
}

test("replay: with runEagerly: false, JavaScript side effects in your step run on its recorded calls only (as jax.jit); with true, on every call", async () => {
  const { x, y } = regressionData();
  let fastCalls = 0;
  let eagerCalls = 0;
  const fast = regression(false, () => fastCalls++);
  const eager = regression(true, () => eagerCalls++);
  await fast.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  await eager.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  assert.equal(eagerCalls, 11, "init + 10 steps");
  assert.equal(fastCalls, 3, "init + the two recorded steps");
  assertSameStates(fast.states, eager.states);
  tf.dispose([x, y]);
});

test("replay: a step that changes a field of its model runs eagerly on every call", async () => {
  const { x, y } = regressionData();
  class Counting extends Model {
    calls = 0;
    @testStep
    test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
      this.calls++;
      return regressionStep(x, yTrue, states, initializing, 1);
    }
  }
  const model = new Counting({ optimizer: optimizers.sgd(0.05), backend: "wasm", runEagerly: false });
  await model.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
  assert.equal(model.calls, 21, "init + 20 steps");
  assert.equal(replayed(model), 0);
  tf.dispose([x, y]);
});

test("replay: a value given with provide() between fits reaches the replayed step", async () => {
  const { x, y } = regressionData();
  const fast = regression(false);
  const eager = regression(true);
  for (const scale of [1, 2.5]) {
    fast.provide("replayScale", scale);
    eager.provide("replayScale", scale);
    const a = await fast.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
    const b = await eager.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
    assert.deepEqual(a.history, b.history, `scale ${scale}`);
  }
  assert.ok(replayed(fast) > 0);
  assertSameStates(fast.states, eager.states);
  tf.dispose([x, y]);
});

test("replay: a step that reads values back runs eagerly on every call", async () => {
  const { x, y } = regressionData();
  const seen: number[] = [];
  const model = regression(false, (loss) => void seen.push(loss.dataSync()[0]));
  await model.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
  assert.equal(seen.length, 21, "init + 20 steps, each with its own read");
  assert.equal(replayed(model), 0);
  tf.dispose([x, y]);
});

test("replay: a step reading a tensor from a class field runs eagerly, so a replaced field is seen", async () => {
  const { x, y } = regressionData();
  class Offset extends Model {
    offset = tf.scalar(0);
    @testStep
    test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
      return regressionStep(x, yTrue, states, initializing, 1, this.offset);
    }
  }
  const model = new Offset({ optimizer: optimizers.sgd(0.05), backend: "wasm", runEagerly: false });
  await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  const kept = model.offset; // not disposed: a replay would still find it alive
  model.offset = tf.scalar(100);
  const { loss } = await model.evaluate(x, y, { batchSize: 32, verbose: 0 });
  assert.ok(loss > 1000, `the new offset is used (loss ${loss})`);
  assert.equal(replayed(model), 0);
  tf.dispose([x, y, kept, model.offset]);
});

test("replay: a step that draws from states.rng (dropout) runs eagerly and matches runEagerly", async () => {
  const { x, y } = await mnistSlice(320);
  const make = (runEagerly: boolean) =>
    new Model({
      module: new nn.Sequential([new nn.Flatten(), new nn.Linear(16), nn.relu, new nn.Dropout(0.5), new nn.Linear(10)]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      optimizer: optimizers.adam(1e-3),
      seed: 5,
      backend: "wasm",
      runEagerly,
    });
  const [fast, eager] = [make(false), make(true)];
  const a = await fast.fit(x, y, { epochs: 2, batchSize: 64, verbose: 0 });
  const b = await eager.fit(x, y, { epochs: 2, batchSize: 64, verbose: 0 });
  assert.deepEqual(a.history, b.history);
  assertSameStates(fast.states, eager.states);
  tf.dispose([x, y]);
});

test("replay: a sparse label out of range in a replayed batch is still reported with its batch", async () => {
  const batches = Array.from({ length: 8 }, (_, i) => ({
    x: tf.randomNormal([16, 5], 0, 1, "float32", i),
    y: tf.tensor1d(Array.from({ length: 16 }, (_, r) => (i === 6 && r === 3 ? 12 : r % 3)), "int32"),
  }));
  const model = new Model({
    module: new nn.Linear(3),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    optimizer: optimizers.sgd(0.1),
    backend: "wasm",
  });
  await assert.rejects(model.fit(tf.data.array(batches), undefined, { verbose: 0 }), (error: unknown) => {
    assert.ok(error instanceof ElegyInputError);
    assert.match(error.message, /the label of row 3 of fit batch 6 is 12, but sparse labels are class indices, whole numbers from 0 to 2/);
    return true;
  });
  assert.ok(replayed(model) >= 3, "batches 2 to 6 were replayed");
  tf.dispose(batches.flatMap((b) => [b.x, b.y]));
});

test("replay: a kernel whose output shape depends on the data (tf.unique) never serves a batch it does not fit", async () => {
  // Labels with 2, then 3 distinct values per batch, alternating: recordings of one key disagree
  // on Unique's output shape, or a replay meets another shape; either way the step runs eagerly then.
  const x = tf.randomNormal([96, 4], 0, 1, "float32", 3);
  const y = tf.tensor1d(Array.from({ length: 96 }, (_, i) => (Math.floor(i / 16) % 2 === 0 ? i % 2 : i % 3)), "float32");
  const make = (runEagerly: boolean) => {
    class Distinct extends Model {
      @testStep
      test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
        const [loss, , next] = regressionStep(x, yTrue, states, initializing, 1);
        const distinct = tf.unique(yTrue).values;
        const total = loss.add(tf.mean(distinct).mul(0.01)) as tf.Scalar;
        return [total, { loss: total, distinct: tf.scalar(distinct.shape[0]) }, next];
      }
    }
    return new Distinct({ optimizer: optimizers.sgd(0.05), backend: "cpu", runEagerly });
  };
  const [fast, eager] = [make(false), make(true)];
  const a = await fast.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
  const b = await eager.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
  assert.deepEqual(a.history, b.history);
  assert.deepEqual(a.history.distinct, [2.5, 2.5, 2.5]);
  assertSameStates(fast.states, eager.states);
  tf.dispose([x, y]);
});


test("replay: a kernel registered after recording began is noticed, wrapped, and then replayed like the others", async () => {
  const { x, y } = regressionData();
  // Warm up: recording has wrapped the cpu backend's kernels before the new one exists.
  await regressionOn("cpu", false).fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  const name = "ReplayTestDouble";
  tf.registerKernel({
    kernelName: name,
    backendName: "cpu",
    kernelFunc: ({ inputs, backend }) => {
      const { x: input } = inputs as { x: tf.TensorInfo };
      const cpu = backend as unknown as { readSync(id: object): Float32Array; makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo };
      return cpu.makeTensorInfo([...input.shape], input.dtype, cpu.readSync(input.dataId).map((v) => 2 * v));
    },
  });
  try {
    const make = (runEagerly: boolean) => {
      class Doubled extends Model {
        @testStep
        test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
          const doubled = tf.engine().runKernel(name, { x } as never) as tf.Tensor;
          return regressionStep(doubled, yTrue, states, initializing, 0.5);
        }
      }
      return new Doubled({ optimizer: optimizers.sgd(0.05), backend: "cpu", runEagerly });
    };
    const [fast, eager] = [make(false), make(true)];
    const a = await fast.fit(x, y, { epochs: 3, batchSize: 32, verbose: 0 });
    const b = await eager.fit(x, y, { epochs: 3, batchSize: 32, verbose: 0 });
    assert.deepEqual(a.history, b.history);
    assertSameStates(fast.states, eager.states);
    assert.ok(replayed(fast) > 0, "replayed once the new kernel was wrapped");
  } finally {
    tf.unregisterKernel(name, "cpu");
    tf.dispose([x, y]);
  }
});

test("replay: a step that assigns to a tf.Variable in its States runs eagerly on every call", async () => {
  const { x, y } = regressionData();
  class Counter extends Model {
    @testStep
    test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
      const [loss, logs, next] = regressionStep(x, yTrue, states, initializing, 1);
      const seen = initializing ? tf.variable(tf.scalar(0)) : (states.seen as tf.Variable);
      seen.assign(seen.add(1));
      return [loss, logs, next.update({ seen })];
    }
  }
  const model = new Counter({ optimizer: optimizers.sgd(0.05), backend: "wasm", runEagerly: false });
  await model.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
  assert.equal((model.states.seen as tf.Variable).dataSync()[0], 21, "init + 20 steps each added 1");
  assert.equal(replayed(model), 0);
  (model.states.seen as tf.Variable).dispose();
  tf.dispose([x, y]);
});

test("replay: steps you write run eagerly unless you pass runEagerly: false; the built-in chain is replayed", async () => {
  const { x, y } = regressionData();
  let calls = 0;
  class Scaled extends Model {
    scale = 1;
    @testStep
    test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
      calls++;
      return regressionStep(x, yTrue, states, initializing, this.scale);
    }
  }
  const model = new Scaled({ optimizer: optimizers.sgd(0.05), backend: "wasm" });
  await model.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
  assert.equal(calls, 21, "init + 20 steps, all run");
  assert.equal(replayed(model), 0);
  tf.dispose([x, y]);
});

test("replay: a value your step reads, changed by a callback at each epoch, is seen from that epoch on (runEagerly: false)", async () => {
  const { x, y } = regressionData();
  const make = (runEagerly: boolean) => {
    class Annealed extends Model {
      scale = 1;
      @testStep
      test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
        return regressionStep(x, yTrue, states, initializing, this.scale);
      }
    }
    const model = new Annealed({ optimizer: optimizers.sgd(0.05), backend: "wasm", runEagerly });
    const anneal = callbacks.lambda({ onEpochBegin: (epoch) => void (model.scale = 1 + epoch / 2) });
    return { model, anneal };
  };
  const [fast, eager] = [make(false), make(true)];
  const a = await fast.model.fit(x, y, { epochs: 4, batchSize: 32, verbose: 0, callbacks: [fast.anneal] });
  const b = await eager.model.fit(x, y, { epochs: 4, batchSize: 32, verbose: 0, callbacks: [eager.anneal] });
  assert.deepEqual(a.history, b.history);
  assertSameStates(fast.model.states, eager.model.states);
  assert.ok(replayed(fast.model) >= 4 * 7, "each epoch: a check, a second recording, then replays");
  // Changed between fits: the next fit's first step sees it.
  fast.model.scale = 3;
  eager.model.scale = 3;
  const c = await fast.model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  const d = await eager.model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  assert.deepEqual(c.history, d.history);
  assertSameStates(fast.model.states, eager.model.states);
  tf.dispose([x, y]);
});

test("replay: a field your step reads, set by a callback between batches, is seen at the next batch; a field it does not read set every batch leaves it replayed (runEagerly: false)", async () => {
  const { x, y } = regressionData(); // 10 batches of 32 an epoch
  const make = (runEagerly: boolean, setField: (model: { scale: number; batches: number }, batch: number) => void) => {
    class ReadsField extends Model {
      scale = 1;
      batches = 0;
      @testStep
      test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
        return regressionStep(x, yTrue, states, initializing, this.scale);
      }
    }
    const model = new ReadsField({ optimizer: optimizers.sgd(0.05), backend: "wasm", runEagerly });
    return { model, setter: callbacks.lambda({ onTrainBatchEnd: (batch) => setField(model, batch) }) };
  };
  const run = async (runEagerly: boolean, setField: (model: { scale: number; batches: number }, batch: number) => void) => {
    const { model, setter } = make(runEagerly, setField);
    const history = await model.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0, shuffle: false, callbacks: [setter] });
    return { model, history };
  };
  // scale drops to 0 after the 4th batch of the first epoch: batches 5.. train nothing.
  const drop = (model: { scale: number }, batch: number) => void (batch === 3 && model.scale === 1 && (model.scale = 0));
  const [fast, eager] = [await run(false, drop), await run(true, drop)];
  assert.deepEqual(fast.history.history, eager.history.history);
  assertSameStates(fast.model.states, eager.model.states);
  assert.ok(replayed(fast.model) >= 12, `replayed before and after the change (${replayed(fast.model)})`);

  // A counter the step never reads, set every batch: one more recording per epoch, then replays.
  const count = (model: { batches: number }) => void model.batches++;
  const [counted, countedEager] = [await run(false, count), await run(true, count)];
  assert.deepEqual(counted.history.history, countedEager.history.history);
  assertSameStates(counted.model.states, countedEager.model.states);
  assert.ok(replayed(counted.model) >= 2 * 6, `a field the step does not read does not stop replays (${replayed(counted.model)})`);
  tf.dispose([x, y]);
});

test("replay: a step that changes something inside a field of its model (this.stats.calls++, this.seen.push) runs eagerly", async () => {
  const { x, y } = regressionData();
  class Tallied extends Model {
    stats = { calls: 0 };
    seen: number[] = [];
    @testStep
    test(x: tf.Tensor, yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
      this.stats.calls++;
      this.seen.push(x.shape[0]!);
      return regressionStep(x, yTrue, states, initializing, 1);
    }
  }
  const model = new Tallied({ optimizer: optimizers.sgd(0.05), backend: "wasm", runEagerly: false });
  await model.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });
  assert.equal(model.stats.calls, 21);
  assert.equal(model.seen.length, 21);
  assert.equal(replayed(model), 0);
  tf.dispose([x, y]);
});

