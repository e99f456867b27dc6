// The bad-input matrix: each case asserts the error class and the words of its message
// that name the cause and the fix.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  ElegyBackendError, ElegyBusyError, ElegyCheckpointError, ElegyDefinitionError, ElegyInjectionError, ElegyInputError,
  ElegyMissingStepError, ElegyStepResultError, Model, States, gradStep, losses, nn, optimizers, predStep, tf, testStep, trainStep,
  type Logs,
} from "elegy-ts";
import { LinearRegression, regressionData, tmpDir } from "../support/models";
import { editParts } from "../io/checkpoint-file";

type ErrorClass = new (...args: never[]) => Error;
interface Case {
  name: string;
  run: () => Promise<unknown> | unknown;
  error: ErrorClass;
  message: RegExp;
}

const cpu = { backend: "cpu" } as const;
const data = () => regressionData(10);
const fitOf = async (options: object, x?: tf.Tensor, y?: tf.Tensor) => {
  const d = data();
  return new LinearRegression({ ...cpu, optimizer: optimizers.sgd(0.1) }).fit(x ?? d.x, y ?? d.y, { verbose: 0, ...options });
};

/** A 3-class classifier fit on x [n, 2] (tensors) or on a dataset of batches. */
const sparseFit = (y: tf.Tensor | tf.data.Dataset<tf.TensorContainer>) =>
  new Model({ ...cpu, module: new nn.Linear(3), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }), optimizer: optimizers.sgd(0.1) })
    .fit(y instanceof tf.Tensor ? tf.ones([y.shape[0], 2]) : y, y instanceof tf.Tensor ? y : undefined, { verbose: 0 });

/** A model whose test step returns `result` (built fresh per case). */
function returning(result: (x: tf.Tensor, states: States) => unknown): Model {
  class Returns extends Model {
    @testStep
    t(x: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
      if (initializing) return [tf.scalar(0), {}, states.update({ netParams: tf.zeros([4, 1]) })];
      return result(x, states) as [tf.Scalar, Logs, States];
    }
  }
  return new Returns({ ...cpu, optimizer: optimizers.sgd(0.1) });
}
const evaluateReturning = (result: (x: tf.Tensor, states: States) => unknown) => () => {
  const d = data();
  return returning(result).evaluate(d.x, d.y);
};

async function savedCheckpoint(): Promise<string> {
  const d = data();
  const model = new LinearRegression({ ...cpu, optimizer: optimizers.sgd(0.1) });
  await model.fit(d.x, d.y, { verbose: 0 });
  const dir = tmpDir("bad-ckpt");
  await model.save(dir);
  return dir;
}
const checkpointFile = (dir: string) => path.join(dir, "checkpoint.safetensors");
const loadBad = (mutate: (dir: string) => void) => async () => {
  const dir = await savedCheckpoint();
  mutate(dir);
  return LinearRegression.load(dir, cpu);
};

const cases: Case[] = [
  // Data
  { name: "x/y length mismatch", run: () => fitOf({}, data().x, data().y.slice(0, 9)), error: ElegyInputError, message: /y has 9 examples but x has 10: every input, target and weight needs the same first dimension/ },
  { name: "sampleWeight of the wrong length", run: () => fitOf({ sampleWeight: tf.ones([9]) }), error: ElegyInputError, message: /sampleWeight has 9 examples but x has 10/ },
  { name: "sampleWeight of the wrong rank", run: () => fitOf({ sampleWeight: tf.ones([10, 2]) }), error: ElegyInputError, message: /sampleWeight has shape \[10,2\]; it must have shape \[n\]: one weight per example/ },
  { name: "empty data", run: () => fitOf({}, tf.zeros([0, 4]), tf.zeros([0])), error: ElegyInputError, message: /x has 0 examples: there is nothing to train or evaluate on/ },
  { name: "NaN in x", run: () => fitOf({}, tf.tensor2d([[1, 2, 3, 4], [1, NaN, 3, 4]]), tf.zeros([2])), error: ElegyInputError, message: /x contains NaN \(example 1\)\. Remove or impute non-finite values/ },
  { name: "Infinity in y", run: () => fitOf({}, tf.ones([2, 4]), tf.tensor1d([1, Infinity])), error: ElegyInputError, message: /y contains Infinity \(example 1\)/ },
  { name: "scalar x", run: () => fitOf({}, tf.scalar(1), undefined), error: ElegyInputError, message: /x is a scalar; it needs a first dimension of examples/ },
  { name: "string tensor", run: () => fitOf({}, tf.tensor(["a", "b"]) as tf.Tensor, tf.zeros([2])), error: ElegyInputError, message: /x is a string tensor; elegy-ts trains on float32, int32 or bool tensors/ },
  { name: "plain array instead of tensor", run: () => new LinearRegression(cpu).fit([1, 2, 3] as never, undefined, { verbose: 0 }), error: ElegyInputError, message: /x\[0\] is a number; expected a Tensor or a nested object\/array of Tensors\. Wrap arrays with tf\.tensor/ },
  { name: "dataset batch with a foreign field", run: () => new LinearRegression(cpu).fit([{ input: tf.ones([2, 4]) }][Symbol.iterator]() as never, undefined, { verbose: 0 }), error: ElegyInputError, message: /has the field 'input'; dataset batches have the fields x, y and sampleWeight/ },
  { name: "dataset plus separate y", run: () => new LinearRegression(cpu).fit(tf.data.array([{ x: tf.ones([1, 4]) }]) as never, tf.ones([1]), { verbose: 0 }), error: ElegyInputError, message: /x is a dataset, so y must be left out/ },
  // Options
  { name: "batchSize 0", run: () => fitOf({ batchSize: 0 }), error: ElegyInputError, message: /fit\(\): batchSize must be a positive integer, got 0\./ },
  { name: "batchSize negative", run: () => fitOf({ batchSize: -4 }), error: ElegyInputError, message: /batchSize must be a positive integer, got -4/ },
  { name: "batchSize not an integer", run: () => fitOf({ batchSize: 2.5 }), error: ElegyInputError, message: /batchSize must be a positive integer, got 2\.5/ },
  { name: "batchSize as a string", run: () => fitOf({ batchSize: "64" }), error: ElegyInputError, message: /batchSize must be a positive integer, got "64"/ },
  { name: "epochs NaN", run: () => fitOf({ epochs: NaN }), error: ElegyInputError, message: /epochs must be a positive integer, got NaN/ },
  { name: "initialEpoch negative", run: () => fitOf({ initialEpoch: -1 }), error: ElegyInputError, message: /initialEpoch must be a non-negative integer, got -1/ },
  { name: "shuffle not a boolean (Keras' \"batch\")", run: () => fitOf({ shuffle: "batch" as never }), error: ElegyInputError, message: /^fit\(\): shuffle must be true or false, got "batch"\.$/ },
  { name: "stepsPerEpoch 0", run: () => fitOf({ stepsPerEpoch: 0 }), error: ElegyInputError, message: /stepsPerEpoch must be a positive integer, got 0/ },
  { name: "verbose 3", run: () => fitOf({ verbose: 3 }), error: ElegyInputError, message: /verbose must be 0 \(silent\), 1 \(progress bar\) or 2 \(one line per epoch\), got 3/ },
  { name: "unknown fit option", run: () => fitOf({ epoch: 2 }), error: ElegyInputError, message: /fit\(\) got an unknown option 'epoch'\. Did you mean 'epochs'\? Valid options: epochs, batchSize/ },
  { name: "unknown evaluate option", run: () => new LinearRegression(cpu).evaluate(data().x, data().y, { batch_size: 2 } as never), error: ElegyInputError, message: /evaluate\(\) got an unknown option 'batch_size'\. Did you mean 'batchSize'\?/ },
  { name: "unknown predict option", run: () => new LinearRegression(cpu).predict(data().x, { shuffle: true } as never), error: ElegyInputError, message: /predict\(\) got an unknown option 'shuffle'\. Valid options: batchSize, verbose, callbacks/ },
  { name: "unknown Model option", run: () => new Model({ modul: new nn.Linear(1) } as never), error: ElegyInputError, message: /new Model\(\) got an unknown option 'modul'\. Did you mean 'module'\?/ },
  { name: "validationSplit out of range", run: () => fitOf({ validationSplit: 1.5 }), error: ElegyInputError, message: /validationSplit must be a number between 0 and 1 \(exclusive\), got 1\.5/ },
  { name: "validationSplit leaves no training data", run: () => fitOf({ validationSplit: 0.95 }), error: ElegyInputError, message: /validationSplit 0\.95 of 10 examples leaves no training examples\. Use more data or a smaller fraction/ },
  { name: "classWeight with unknown classes", run: () => new Model({ ...cpu, module: new nn.Linear(3), loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }), optimizer: optimizers.sgd(0.1) }).fit(tf.ones([3, 2]), tf.tensor1d([0, 1, 2], "int32"), { verbose: 0, classWeight: { 0: 1, 1: 2 } }), error: ElegyInputError, message: /^y has class 2, but classWeight has weights for classes 0\.\.1 only \(classes an object leaves out below its largest key weigh 1\)\. Add a weight for class 2 \(or for every class\)\.$/ },
  { name: "classWeight negative", run: () => fitOf({ classWeight: [1, -1] }), error: ElegyInputError, message: /classWeight for class 1 is -1; weights must be finite and non-negative/ },
  { name: "classWeight with a non-index key", run: () => fitOf({ classWeight: { cat: 1 } }), error: ElegyInputError, message: /classWeight has the key 'cat'; keys must be class indices/ },
  // Sparse labels (checked on the host for tensors, on the device for datasets)
  { name: "sparse label above the classes", run: () => sparseFit(tf.tensor1d([0, 1, 12, 2], "int32")), error: ElegyInputError, message: /sparse_categorical_crossentropy: the label of y example 2 is 12, but sparse labels are class indices, whole numbers from 0 to 2, as the predictions have 3 classes\. Fix the labels \(1-based\? subtract 1\), or give the model an output per class \(13 or more\)/ },
  { name: "sparse label negative", run: () => sparseFit(tf.tensor1d([0, -1, 1, 2], "int32")), error: ElegyInputError, message: /the label of y example 1 is -1, but sparse labels are class indices.*Negative labels are not classes/ },
  { name: "sparse label not a whole number", run: () => sparseFit(tf.tensor1d([0, 1, 2.7, 2])), error: ElegyInputError, message: /the label of y example 2 is 2\.7, but sparse labels are class indices.*Round or fix the labels/ },
  { name: "sparse label out of range in a dataset", run: () => sparseFit(tf.data.array([{ x: tf.ones([2, 2]), y: tf.tensor1d([0, 1], "int32") }, { x: tf.ones([2, 2]), y: tf.tensor1d([1, 7], "int32") }])), error: ElegyInputError, message: /the label of row 1 of fit batch 1 is 7, but sparse labels are class indices, whole numbers from 0 to 2/ },
  // One call at a time
  {
    name: "evaluate while fit runs",
    run: async () => {
      const model = new LinearRegression({ ...cpu, optimizer: optimizers.sgd(0.1) });
      const fit = model.fit(data().x, data().y, { verbose: 0 });
      try {
        return await model.evaluate(data().x, data().y);
      } finally {
        await fit;
      }
    },
    error: ElegyBusyError, message: /^evaluate\(\) was called while fit\(\) is running on this model; await fit\(\) first\./,
  },
  { name: "seed not an integer", run: () => new Model({ seed: 1.5 }), error: ElegyInputError, message: /seed must be an integer, got 1\.5/ },
  // Steps returning the wrong thing
  { name: "test step returns 2 items", run: evaluateReturning((_x, s) => [tf.scalar(1), s]), error: ElegyStepResultError, message: /Returns\.t \(@testStep\) must return \[loss: Scalar, logs: Logs, States\], but it returned an array of 2 items/ },
  { name: "non-scalar loss", run: evaluateReturning((x, s) => [x.sum(1), {}, s]), error: ElegyStepResultError, message: /its loss \(item 1\) is a Tensor of shape \[10\]; reduce it to a scalar, e\.g\. with tf\.mean/ },
  { name: "States not returned", run: evaluateReturning(() => [tf.scalar(1), {}, { netParams: 1 }]), error: ElegyStepResultError, message: /item 3 is an object \(Object\), not a States\. Return the states you were given, or states\.update/ },
  { name: "a log that is not a tensor", run: evaluateReturning((_x, s) => [tf.scalar(1), { acc: "high" }, s]), error: ElegyStepResultError, message: /log 'acc' is a string; log values must be scalar Tensors or numbers/ },
  { name: "a log that is not a scalar", run: evaluateReturning((x, s) => [tf.scalar(1), { acc: x }, s]), error: ElegyStepResultError, message: /log 'acc' is a Tensor of shape \[10,4\]; log values must be scalars/ },
  {
    name: "pred step returns a bare tensor",
    run: () => {
      class Bare extends Model {
        // Declared `any`: as tf.Tensor it is ELEGY1007 at build time; this checks the runtime twin.
        @predStep p(x: tf.Tensor): any { return x; }
      }
      return new Bare(cpu).predict(data().x);
    },
    error: ElegyStepResultError, message: /Bare\.p \(@predStep\) must return \[yPred, States\], but it returned a Tensor of shape \[10,4\]/,
  },
  {
    name: "train step returns logs that are not an object",
    run: () => {
      class BadLogs extends Model {
        @trainStep t(states: States, initializing: boolean): [Logs, States] { return [initializing ? {} : (5 as never), states]; }
      }
      return new BadLogs(cpu).fit(data().x, data().y, { verbose: 0 });
    },
    error: ElegyStepResultError, message: /BadLogs\.t \(@trainStep\) must return \[logs, States\], but item 1 \(logs\) is a number, not Logs \(an object of name → scalar Tensor or number\)\. Return the logs as an object/,
  },
  {
    name: "gradStep grads that do not match the params",
    run: () => {
      class BadGrads extends Model {
        @gradStep g(states: States): [tf.Scalar, Logs, States, tf.Tensor[]] { return [tf.scalar(0), {}, states, [tf.zeros([3])]]; }
        @predStep p(x: tf.Tensor, states: States, initializing: boolean): [tf.Tensor, States] {
          return [x, initializing ? states.update({ netParams: [tf.zeros([4, 1])] }) : states];
        }
      }
      return new BadGrads({ ...cpu, optimizer: optimizers.sgd(0.1), loss: losses.meanSquaredError() }).fit(data().x, data().y.reshape([-1, 1]), { verbose: 0 });
    },
    error: ElegyInputError, message: /the gradients returned by @gradStep does not match states\.netParams: at leaf 0, states\.netParams has '0' Tensor\[4,1\] float32 but the gradients returned by @gradStep has '0' Tensor\[3\] float32/,
  },
  {
    name: "loss that does not depend on the params",
    run: () => {
      class Detached extends Model {
        @testStep t(yTrue: tf.Tensor, states: States, initializing: boolean): [tf.Scalar, Logs, States] {
          return [tf.mean(yTrue) as tf.Scalar, {}, initializing ? states.update({ netParams: tf.zeros([2]) }) : states];
        }
      }
      return new Detached({ ...cpu, optimizer: optimizers.sgd(0.1) }).fit(data().x, data().y, { verbose: 0 });
    },
    error: ElegyStepResultError, message: /the loss of the test step does not depend on states\.netParams, so it has no gradient/,
  },
  // Missing pieces
  { name: "predict with no way to predict", run: () => new LinearRegression(cpu).predict(data().x), error: ElegyMissingStepError, message: /LinearRegression cannot predict: it has no prediction step\. Define a method decorated with @predStep, or pass a module/ },
  { name: "fit without an optimizer", run: () => new LinearRegression(cpu).fit(data().x, data().y, { verbose: 0 }), error: ElegyInputError, message: /LinearRegression cannot fit: it has no optimizer\. Pass one, e\.g\. new LinearRegression\(\{ optimizer: optimizers\.adam\(1e-3\) \}\)/ },
  { name: "fit with a module but no loss", run: () => new Model({ ...cpu, module: new nn.Linear(1), optimizer: optimizers.sgd(1) }).fit(data().x, data().y, { verbose: 0 }), error: ElegyMissingStepError, message: /Model cannot fit: it has no @trainStep and cannot derive one \(no loss\)/ },
  { name: "default test step without targets", run: () => new Model({ ...cpu, module: new nn.Linear(1), loss: losses.meanSquaredError(), optimizer: optimizers.sgd(1) }).evaluate(data().x), error: ElegyInputError, message: /the default test step needs targets, but no y was given\. Pass y/ },
  { name: "save before init", run: () => new LinearRegression(cpu).save(tmpDir("early")), error: ElegyInputError, message: /LinearRegression has nothing to save yet: call init, fit, evaluate or predict first/ },
  // Injection and definitions
  {
    name: "an injectable nobody provided",
    run: () => {
      class Needs extends Model {
        @predStep p(x: tf.Tensor, teacher: unknown, states: States): [tf.Tensor, States] { return [x, states]; }
      }
      return new Needs(cpu).predict(data().x);
    },
    error: ElegyInjectionError, message: /'teacher' in @predStep Needs\.p is declared in Injectables but not provided: call model\.provide\("teacher", …\)/,
  },
  // @ts-expect-error -- not a declared injectable: does not compile; from plain JS it is refused at run time
  { name: "providing a built-in name", run: () => new LinearRegression(cpu).provide("states", 1), error: ElegyInputError, message: /Cannot provide 'states': it is a built-in injectable/ },
  { name: "a States field named like a method", run: () => new States({ get: 1 }), error: ElegyInputError, message: /'get' cannot be a States field: it is the name of a States method/ },
  {
    name: "a step method that shadows Model.fit",
    run: () => {
      class Shadow extends Model {
        @testStep fit(x: tf.Tensor, states: States): never { throw new Error(String([x, states])); }
      }
      return new Shadow();
    },
    error: ElegyDefinitionError, message: /Shadow\.fit \(@testStep\) shadows Model\.fit, which elegy-ts needs\. Give the step method another name/,
  },
  { name: "a backend that does not exist", run: () => new LinearRegression({ backend: "tpu" }).fit(data().x, data().y, { verbose: 0 }), error: ElegyBackendError, message: /tpu/ },
  // Checkpoints
  { name: "checkpoint folder missing", run: () => LinearRegression.load("/no/such/elegy/dir", cpu), error: ElegyCheckpointError, message: /No checkpoint at \/no\/such\/elegy\/dir: the folder does not exist/ },
  { name: "checkpoint truncated", run: loadBad((dir) => fs.truncateSync(checkpointFile(dir), 3)), error: ElegyCheckpointError, message: /checkpoint\.safetensors is truncated: it has 3 bytes, fewer than the 8 of a safetensors length prefix/ },
  {
    name: "checkpoint corrupt (checksum)",
    run: loadBad((dir) => { const b = fs.readFileSync(checkpointFile(dir)); b[b.length - 1] ^= 1; fs.writeFileSync(checkpointFile(dir), b); }),
    error: ElegyCheckpointError, message: /checkpoint\.safetensors is corrupt: its SHA-256 does not match the one in its metadata/,
  },
  { name: "checkpoint layout edited (epoch)", run: loadBad((dir) => editParts(dir, (p) => (p.layout.epoch = 7))), error: ElegyCheckpointError, message: /is corrupt: its SHA-256 does not match the one in its metadata \(its tensor data or its layout changed after it was saved\)/ },
  { name: "checkpoint file is a symlink to /dev/zero", run: loadBad((dir) => { fs.rmSync(checkpointFile(dir)); fs.symlinkSync("/dev/zero", checkpointFile(dir)); }), error: ElegyCheckpointError, message: /checkpoint\.safetensors is a character device, not a regular file\. A checkpoint's files are regular files; refusing to read it/ },
  {
    name: "checkpoint declaring a huge tensor",
    run: loadBad((dir) => editParts(dir, (p) => (p.header.netParams.shape = [4e9]), { reseal: true })),
    error: ElegyCheckpointError, message: /tensor 'netParams' covers 16 bytes, but a F32 tensor of shape \[4000000000\] has 16000000000/,
  },
  {
    name: "checkpoint trying prototype pollution",
    run: loadBad((dir) => { const b = fs.readFileSync(checkpointFile(dir)); const n = Number(b.readBigUInt64LE(0)); const h = b.subarray(8, 8 + n).toString().replace('{"__metadata__"', '{"__proto__":{"isAdmin":true},"__metadata__"'); const json = Buffer.from(h); const pre = Buffer.alloc(8); pre.writeBigUInt64LE(BigInt(json.length)); fs.writeFileSync(checkpointFile(dir), Buffer.concat([pre, json, b.subarray(8 + n)])); }),
    error: ElegyCheckpointError, message: /contains the key '__proto__', which a checkpoint never has; refusing to load it/,
  },
  {
    name: "checkpoint from another architecture (initialized model)",
    run: async () => {
      const dir = await savedCheckpoint();
      const other = new LinearRegression({ ...cpu, optimizer: optimizers.sgd(0.1) });
      await other.init(tf.ones([2, 7]), tf.ones([2]));
      return other.loadWeights(dir);
    },
    error: ElegyCheckpointError, message: /does not fit this LinearRegression: 1 leaf differs:\n {2}netParams: the checkpoint has \[4, 1\], this model \[7, 1\]\n/,
  },
  {
    name: "checkpoint from another class",
    run: async () => {
      const dir = await savedCheckpoint();
      return Model.load(dir, cpu);
    },
    error: ElegyCheckpointError, message: /was saved from a LinearRegression, not a Model\. Load it with LinearRegression\.load\(dir\), or pass \{ allowOtherClass: true \}/,
  },
];

test(`bad-input matrix: ${cases.length} cases, each with its error class and a message naming cause and fix`, async (t) => {
  assert.ok(cases.length >= 40, `${cases.length} cases`);
  for (const c of cases) {
    await t.test(c.name, async () => {
      await assert.rejects(async () => c.run(), (error: Error) => {
        assert.ok(error instanceof c.error, `expected ${c.error.name}, got ${error.name}: ${error.message}`);
        assert.match(error.message, c.message);
        return true;
      });
    });
  }
  assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
});
