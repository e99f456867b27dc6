// User injectables at run time: the three ways a step's own name can be missing, each with its
// own words — declared but never provided, provided under a misspelling, and unknown (the
// runtime twin of ELEGY1001, carrying that code) — and typed provide() calls that work.
import test from "node:test";
import assert from "node:assert/strict";
import { ElegyInjectionError, Model, States, predStep, tf } from "elegy-ts";
import { METADATA } from "../../src/metadata-keys";

// Declared for the whole test program (augmentations merge program-wide).
declare module "elegy-ts" {
  interface Injectables {
    temperature: number;
  }
}

class Scaled extends Model {
  @predStep
  forward(x: tf.Tensor, temperature: number, states: States): [tf.Tensor, States] {
    return [x.div(temperature), states];
  }
}

const x = () => tf.tensor2d([[2, 4]]);

async function rejection(run: () => Promise<unknown>): Promise<ElegyInjectionError> {
  let caught: unknown;
  await run().then(() => assert.fail("expected an ElegyInjectionError"), (error: unknown) => (caught = error));
  assert.ok(caught instanceof ElegyInjectionError, String(caught));
  return caught;
}

test("provide: a declared injectable reaches the step with the provided value; no tensor is left behind", async () => {
  const m = new Scaled({ backend: "cpu" }).provide("temperature", 2);
  const input = x();
  await m.predict(input); // init
  const before = tf.memory().numTensors;
  const out = (await m.predict(input)) as tf.Tensor;
  assert.deepEqual(out.arraySync(), [[1, 2]]);
  out.dispose();
  assert.equal(tf.memory().numTensors, before);
  input.dispose();
});

test("provide: a declared injectable never provided says so, and how to provide it", async () => {
  const error = await rejection(() => new Scaled({ backend: "cpu" }).predict(x()));
  assert.equal(
    error.message,
    `'temperature' in @predStep Scaled.forward is declared in Injectables but not provided: call model.provide("temperature", …) before fit, evaluate or predict.`,
  );
  assert.equal(error.code, undefined);
});

test("provide: a misspelt provide names both spellings and suggests the declared one, never the misspelling", async () => {
  const m = new Scaled({ backend: "cpu" });
  // @ts-expect-error -- 'temprature' is not declared in Injectables: does not compile; plain JS gets the run-time message
  m.provide("temprature", 2);
  const error = await rejection(() => m.predict(x()));
  assert.equal(
    error.message,
    `'temperature' in @predStep Scaled.forward is declared in Injectables but not provided: did you mean to provide 'temperature'? 'temprature' was provided.`,
  );
  assert.doesNotMatch(error.message, /did you mean to provide 'temprature'/i);
});

test("provide: an unknown name is the run-time twin of ELEGY1001, with its code and the closest provided name", async () => {
  // What a build that reported ELEGY1001 but emitted anyway (ts-patch's source-transformer mode) leaves behind.
  class Unknown extends Model {
    forward(x: tf.Tensor, temprature: number, states: States): [tf.Tensor, States] {
      return [x.div(temprature), states];
    }
  }
  Reflect.defineMetadata(METADATA.paramNames, ["x", "temprature", "states"], Unknown.prototype, "forward");
  predStep(Unknown.prototype, "forward", Object.getOwnPropertyDescriptor(Unknown.prototype, "forward"));
  const error = await rejection(() => new Unknown({ backend: "cpu" }).provide("temperature", 2).predict(x()));
  assert.equal(error.code, "ELEGY1001");
  assert.equal(
    error.message,
    "ELEGY1001: Unknown injectable 'temprature' in @predStep Unknown.forward. Did you mean 'temperature'? " +
      "@predStep may request: x, states, initializing, training; and your Injectables: temperature. " +
      `To inject a value of your own, declare 'temprature' in the Injectables interface of "elegy-ts" and call model.provide("temprature", value).`,
  );
});
