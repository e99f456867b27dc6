import test from "node:test";
import assert from "node:assert/strict";
import { Model, States, initStep, predStep, testStep, trainStep, tf, type Logs } from "elegy-ts";
import { ElegyBuildError, ElegyDefinitionError, ElegyInjectionError, ElegyInputError } from "elegy-ts";

// User injectables are declared for the compile-time check (ELEGY1001 otherwise).
declare module "elegy-ts" {
  interface Injectables {
    scaler: { scale: number };
  }
}

type Seen = Record<string, unknown>;

/** Tensors are freed after each step, so the recorder keeps their values, not the tensors. */
function snapshot(args: Seen): Seen {
  const out: Seen = {};
  for (const [k, v] of Object.entries(args)) out[k] = v instanceof tf.Tensor ? v.arraySync() : v instanceof States ? "States" : v;
  return out;
}

/** Steps that ask for every injectable, in shuffled orders, and record what they got. */
class Recorder extends Model {
  seen: Array<{ step: string; args: Seen }> = [];

  @initStep
  start(sampleWeight: tf.Tensor | undefined, states: States, classWeight: tf.Tensor | undefined, yTrue: tf.Tensor, x: tf.Tensor): States {
    this.seen.push({ step: "init", args: snapshot({ x, yTrue, sampleWeight, classWeight, states }) });
    return states.update({ netParams: [tf.variable(tf.zeros([x.shape[1]!, 1]))] });
  }

  @predStep
  forward(training: boolean, x: tf.Tensor, initializing: boolean, states: States): [tf.Tensor, States] {
    this.seen.push({ step: "pred", args: snapshot({ x, states, initializing, training }) });
    const [w] = states.netParams as tf.Tensor[];
    return [x.matMul(w), states];
  }

  @testStep
  test(states: States, training: boolean, yTrue: tf.Tensor, initializing: boolean, x: tf.Tensor, classWeight: tf.Tensor | undefined, sampleWeight: tf.Tensor | undefined): [tf.Scalar, Logs, States] {
    this.seen.push({ step: "test", args: snapshot({ x, yTrue, sampleWeight, classWeight, states, initializing, training }) });
    const [pred, next] = this.forward(training, x, initializing, states);
    const loss = tf.losses.meanSquaredError(yTrue, pred) as tf.Scalar;
    return [loss, { loss }, next];
  }

  @trainStep
  train(yTrue: tf.Tensor, initializing: boolean, x: tf.Tensor, states: States, training: boolean, sampleWeight: tf.Tensor | undefined, classWeight: tf.Tensor | undefined): [Logs, States] {
    this.seen.push({ step: "train", args: snapshot({ x, yTrue, sampleWeight, classWeight, states, initializing, training }) });
    return [{ seen: 1 }, states];
  }
}

const x = () => tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
const y = () => tf.tensor2d([[1], [2], [3]]);

test("injection: every phase gets each requested value by name, whatever the parameter order", async () => {
  const m = new Recorder({ backend: "cpu" });
  const sw = tf.tensor1d([1, 2, 3]);
  await m.init(x(), y(), { sampleWeight: sw });
  await m.fit(x(), y(), { epochs: 1, batchSize: 3, verbose: 0, classWeight: [1, 2], shuffle: false });
  await m.evaluate(x(), y(), { batchSize: 3 });
  await m.predict(x(), { batchSize: 3 });
  const steps = m.seen.map((s) => s.step);
  assert.deepEqual(steps, ["init", "train", "test", "pred", "pred"]);
  const [init, train, test_, predFromTest, pred] = m.seen.map((s) => s.args);
  assert.deepEqual(init.x, [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(init.yTrue, [[1], [2], [3]]);
  assert.deepEqual(init.sampleWeight, [1, 2, 3]);
  assert.equal(init.states, "States");
  assert.equal(init.classWeight, undefined);
  assert.deepEqual([train.initializing, train.training], [false, true], "fit flags");
  assert.deepEqual(train.classWeight, [1, 2], "classWeight injected in fit");
  assert.deepEqual(train.x, [[1, 2], [3, 4], [5, 6]]);
  assert.equal(train.sampleWeight, undefined);
  assert.deepEqual([test_.initializing, test_.training], [false, false], "evaluate flags");
  assert.deepEqual([predFromTest.initializing, predFromTest.training], [false, false]);
  assert.deepEqual([pred.initializing, pred.training], [false, false], "predict flags");
  sw.dispose();
});

test("injection: the default init runs the train chain with initializing=true, training=true", async () => {
  class NoInit extends Model {
    flags: boolean[][] = [];
    @testStep
    t(x: tf.Tensor, yTrue: tf.Tensor, initializing: boolean, training: boolean, states: States): [tf.Scalar, Logs, States] {
      this.flags.push([initializing, training]);
      const w = initializing ? tf.zeros([2, 1]) : (states.netParams as tf.Tensor);
      const loss = tf.losses.meanSquaredError(yTrue, x.matMul(w)) as tf.Scalar;
      return [loss, {}, states.update({ netParams: w })];
    }
  }
  const m = new NoInit({ backend: "cpu" });
  await m.init(x(), y());
  assert.deepEqual(m.flags, [[true, true]]);
  const logs = await m.evaluate(x(), y());
  assert.deepEqual(m.flags.at(-1), [false, false]);
  assert.ok(logs.loss > 0, "loss is logged even when the step's logs leave it out");
});

test("injection: model.provide adds user injectables; a declared one never provided says so", async () => {
  class WithTeacher extends Model {
    @predStep
    p(x: tf.Tensor, scaler: { scale: number }, states: States): [tf.Tensor, States] {
      return [x.mul(scaler.scale), states];
    }
  }
  const m = new WithTeacher({ backend: "cpu" });
  await assert.rejects(m.predict(x()), (error: Error) => {
    assert.ok(error instanceof ElegyInjectionError);
    assert.equal(
      error.message,
      `'scaler' in @predStep WithTeacher.p is declared in Injectables but not provided: call model.provide("scaler", …) before fit, evaluate or predict.`,
    );
    assert.equal((error as ElegyInjectionError).code, undefined, "no build-time twin: the build cannot know what will be provided");
    return true;
  });
  m.provide("scaler", { scale: 10 });
  const out = (await m.predict(x())) as tf.Tensor;
  assert.deepEqual(out.arraySync(), [[10, 20], [30, 40], [50, 60]]);
  // @ts-expect-error -- a built-in is no declared injectable: does not compile; from plain JS it is refused at run time
  assert.throws(() => m.provide("x", 1), (e: Error) => e instanceof ElegyInputError && /built-in injectable/.test(e.message));
});

test("injection: a class compiled without the transformer fails at construction, saying how to build", () => {
  // Exactly what plain tsc emits: the decorator applied, but no parameter-name metadata.
  class Unbuilt extends Model {
    forward(x: unknown, states: unknown) {
      return [x, states];
    }
  }
  predStep(Unbuilt.prototype, "forward", Object.getOwnPropertyDescriptor(Unbuilt.prototype, "forward"));
  assert.throws(() => new Unbuilt(), (error: Error) => {
    assert.ok(error instanceof ElegyBuildError);
    assert.equal(
      error.message,
      "Unbuilt.forward is decorated with @predStep, but its parameter names were not recorded: the file was compiled " +
        "without the elegy-ts transformer. Build it with `npx elegy-ts build <file.ts>`, or add " +
        '{ "transform": "elegy-ts/transformer" } to compilerOptions.plugins in your tsconfig and compile with `tspc` (ts-patch).',
    );
    return true;
  });
});

test("injection: a built-in that the step may not request is refused at construction (runtime twin of ELEGY1002)", () => {
  class Bad extends Model {
    forward(x: unknown, yTrue: unknown) {
      return [x, yTrue];
    }
  }
  Reflect.defineMetadata("elegy-ts:step:param-names", ["x", "yTrue"], Bad.prototype, "forward");
  predStep(Bad.prototype, "forward", Object.getOwnPropertyDescriptor(Bad.prototype, "forward"));
  assert.throws(() => new Bad(), (error: Error) =>
    error instanceof ElegyDefinitionError &&
    (error as ElegyDefinitionError).code === "ELEGY1002" &&
    error.message === "ELEGY1002: 'yTrue' is not available in @predStep Bad.forward. @predStep may request: x, states, initializing, training.");
});

test("decorators: two overrides of one step, statics and accessors are refused", () => {
  class Twice {
    a() {}
    b() {}
    get g() { return 1; }
  }
  testStep(Twice.prototype, "a", Object.getOwnPropertyDescriptor(Twice.prototype, "a"));
  assert.throws(() => testStep(Twice.prototype, "b", Object.getOwnPropertyDescriptor(Twice.prototype, "b")),
    { code: "ELEGY1006", message: "ELEGY1006: Twice overrides @testStep twice: in 'a' and in 'b'. Keep one @testStep per class." });
  assert.throws(() => testStep(Twice.prototype, "g", Object.getOwnPropertyDescriptor(Twice.prototype, "g")),
    { code: "ELEGY1005", message: "ELEGY1005: @testStep can only decorate a method, but Twice.g is an accessor. Make it a method." });
  assert.throws(() => predStep(Twice, "a", { value: () => 0 }),
    { code: "ELEGY1005", message: "ELEGY1005: @predStep cannot decorate the static method Twice.a: steps are instance methods. Remove 'static'." });
});
