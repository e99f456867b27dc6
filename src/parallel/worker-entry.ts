// A replica's worker thread: loads the backend, builds the model from its class, tells the
// main thread it is ready, then serves commands from its control block until told to stop.
// Each step: read its shard of the batch (and, when sent, the trained States) from shared
// memory, run the gradient step (the model's own @gradStep or the default chain) on its own copy
// of the trained States, write back loss, per-batch logs, gradients and the metric states it
// accumulated from zero; then wait for the batch's averaged gradients and apply them with its
// own optimizer, as the main thread does with its own. Every other tensor is freed.
import "../index"; // the package's side effects (reflect-metadata, gradient registrations), as a user's import would
import { MessagePort, parentPort, workerData } from "node:worker_threads";
import { tf } from "../tf";
import { ensureBackend } from "../backend";
import { isRunning } from "../logs";
import { Model, internalsOf } from "../model/model";
import { inStepScope } from "../model/step-scope";
import { RNG, States } from "../states";
import { TensorTree, collectTensors, leaves } from "../tree";
import { AverageStatus, Command, Status, Word, publish, takeMail, waitForChange } from "./control";
import { enterReplica } from "./replica-context";
import type { ReplicaRecipe } from "./model-recipe";
import { serializeError } from "./replica-errors";
import { Layout, bufferFor, flatten, readFlat, writeFlat } from "./tensor-transport";

export interface ReplicaStartup {
  readonly recipe: ReplicaRecipe;
  /** The backend the main thread runs on (its concrete name, e.g. "wasm"). */
  readonly backend: string;
  readonly index: number;
  readonly count: number;
  readonly control: Int32Array;
  readonly port: MessagePort;
}

/** What the main thread learns once a replica is built, to check it matches the model. */
export interface ReadyMessage {
  readonly type: "ready";
  readonly parts: Record<"module" | "loss" | "metrics" | "optimizer", boolean>;
  readonly overridden: string[];
}

/** The down message: the parts of one command's input, as the main thread lays them out. */
interface CommandInput {
  fields: Record<string, unknown>;
  /** The trained States (params and optimizer state), sent when this replica may not hold them. */
  trained?: { netParams: TensorTree; optimizerStates: TensorTree };
  metrics: TensorTree;
  batch: { x: TensorTree; y: TensorTree; sampleWeight: tf.Tensor | undefined };
  classWeight: tf.Tensor | undefined;
  rng: { seed: number; counter: number };
}

/** A replica's generator for a step: derived from the main thread's state, different for each replica. */
export function replicaRng(state: { seed: number; counter: number }, index: number): RNG {
  return RNG.fromState({ seed: (state.seed ^ Math.imul(index, 0x9e3779b1)) | 0, counter: state.counter });
}

function build(recipe: ReplicaRecipe): Model {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require(recipe.filename) as Record<string, unknown>;
  const cls = (recipe.exportName === undefined ? exports : exports[recipe.exportName]) as unknown;
  if (typeof cls !== "function" || !(cls.prototype instanceof Model)) {
    throw new Error(`${recipe.filename} no longer exports ${recipe.className} as a Model subclass.`);
  }
  const model = new (cls as new (options: object) => Model)({ ...recipe.options });
  Object.assign(model, recipe.fields);
  return model;
}

/** The trained States a replica keeps between steps (its copy of the main thread's). */
interface Resident {
  netParams: TensorTree;
  optimizerStates: TensorTree;
}

function serve(model: Model, startup: ReplicaStartup): void {
  const { control, port, index } = startup;
  const { runner } = internalsOf(model);
  const dispatcher = runner.dispatcher;
  const optimizer = dispatcher.parts.optimizer;
  dispatcher.phase = "fit";
  let seen = 0;
  let layout: Layout | undefined;
  let input: SharedArrayBuffer | undefined;
  let resultSignature = "";
  let output: SharedArrayBuffer | undefined;
  let average: { layout: Layout; buffer: SharedArrayBuffer } | undefined;
  let resident: Resident | undefined;
  /** An error from applying the last average, answered with the next command. */
  let pendingError: unknown;

  const keep = (next: Resident) => {
    const kept = collectTensors(next);
    if (resident) tf.dispose([...collectTensors(resident)].filter((t) => !kept.has(t)));
    resident = next;
  };
  /** The optimizer's update of the resident States with the gradients `grads` (new tensors; the inputs stay). */
  const update = (grads: TensorTree, from: Resident): Resident => {
    if (!optimizer) throw new Error(`${startup.recipe.className} has no optimizer in this replica.`);
    const [netParams, optimizerStates] = tf.tidy(() =>
      optimizer.apply(from.netParams, grads, from.optimizerStates ?? optimizer.init(from.netParams)) as unknown as tf.Tensor[][],
    ) as unknown as [TensorTree, TensorTree];
    return { netParams, optimizerStates };
  };

  for (;;) {
    seen = waitForChange(control, Word.request, seen);
    if (Atomics.load(control, Word.mailToReplica) === 1) {
      const mail = takeMail<{ layout: Layout; buffer: SharedArrayBuffer }>(port, "layout");
      layout = mail.layout;
      input = mail.buffer;
    }
    const command = Atomics.load(control, Word.command);
    if (command === Command.stop) return;
    let mail = 0;
    let status: number = Status.ok;
    try {
      if (pendingError !== undefined) {
        const error = pendingError;
        pendingError = undefined;
        throw error;
      }
      const parts = readFlat(layout!, input!) as unknown as CommandInput;
      if (parts.trained) keep({ netParams: parts.trained.netParams, optimizerStates: parts.trained.optimizerStates });
      if (!resident) throw new Error("the main thread sent a step without the trained States this replica needs first.");
      const rng = command === Command.probe ? RNG.fromState(parts.rng) : replicaRng(parts.rng, index);
      const states = new States({ ...parts.fields, ...resident, metricsStates: parts.metrics, rng });
      const ctx = {
        x: parts.batch.x, yTrue: parts.batch.y, sampleWeight: parts.batch.sampleWeight, classWeight: parts.classWeight,
        states, initializing: false, training: true,
      };
      const inputs = collectTensors([parts, resident]);
      let result: ReturnType<typeof dispatcher.grad>;
      runner.active = ctx;
      try {
        result = inStepScope(() => dispatcher.grad(ctx), inputs);
      } finally {
        runner.active = undefined;
      }
      const [loss, logs, next, grads] = result;
      // The probe also shows what this replica's optimizer makes of its gradients, for the main thread to compare.
      const probed = command === Command.probe ? update(grads, resident) : undefined;
      try {
        const perBatch: Record<string, unknown> = {};
        const running: string[] = [];
        for (const [name, value] of Object.entries(logs)) {
          if (isRunning(value)) running.push(name);
          else perBatch[name] = value;
        }
        const changed = next.metricsStates !== parts.metrics;
        const flat = flatten(
          {
            loss, grads, logs: perBatch, running, metricsChanged: changed, metricsStates: changed ? next.metricsStates : undefined,
            trained: probed ? [...leaves(probed.netParams), ...leaves(probed.optimizerStates)] : undefined,
          },
          new Set(),
          (part, path) => (part === "logs" ? `log '${path.slice(1)}'` : part === "grads" ? `gradient ${path || "(root)"}` : `${part}${path}`),
        );
        if (flat.layout.signature !== resultSignature || output === undefined || output.byteLength < flat.layout.bytes) {
          output = bufferFor(output, flat.layout.bytes);
          resultSignature = flat.layout.signature;
          port.postMessage({ type: "layout", layout: flat.layout, buffer: output });
          mail = 1;
        }
        writeFlat(flat, output);
      } finally {
        const residentTensors = collectTensors(resident);
        tf.dispose([...collectTensors([parts, loss, logs, next, grads, probed])].filter((t) => !residentTensors.has(t)));
      }
    } catch (error) {
      port.postMessage({ type: "error", error: serializeError(error) });
      mail = 1;
      status = Status.failed;
    }
    Atomics.store(control, Word.tensors, tf.memory().numTensors);
    Atomics.store(control, Word.mailToMain, mail);
    Atomics.store(control, Word.status, status);
    publish(control, Word.response, seen);
    if (command !== Command.step || status !== Status.ok) continue;

    // While the main thread averages the shards' gradients, wait for the average, then apply it as the main thread does.
    if (!waitForAverage(control, seen)) return;
    if (Atomics.load(control, Word.mailWithAverage) === 1) average = takeMail<{ layout: Layout; buffer: SharedArrayBuffer }>(port, "average");
    if (Atomics.load(control, Word.averageStatus) !== AverageStatus.ok) continue;
    try {
      const grads = (readFlat(average!.layout, average!.buffer) as { grads: TensorTree }).grads;
      try {
        keep(update(grads, resident!));
      } finally {
        tf.dispose([...collectTensors(grads)]);
      }
    } catch (error) {
      pendingError = error;
    }
    Atomics.store(control, Word.tensors, tf.memory().numTensors);
  }
}

/** Blocks until the main thread has published the average of step `request` (true), or stops the replica (false). */
function waitForAverage(control: Int32Array, request: number): boolean {
  for (;;) {
    const value = Atomics.load(control, Word.average);
    if (Atomics.load(control, Word.command) === Command.stop) return false;
    if (value === request) return true;
    Atomics.wait(control, Word.average, value);
  }
}

async function main(): Promise<void> {
  const startup = workerData as ReplicaStartup;
  const { control } = startup;
  // However this thread ends, the main thread, blocked waiting for a response, must notice.
  process.on("exit", () => {
    Atomics.store(control, Word.status, Status.exited);
    Atomics.notify(control, Word.response);
  });
  enterReplica({ index: startup.index, count: startup.count, className: startup.recipe.className });
  let model: Model;
  try {
    await ensureBackend(startup.backend, { log: () => undefined });
    model = build(startup.recipe);
  } catch (error) {
    parentPort!.postMessage({ type: "failed", error: serializeError(error) });
    return;
  }
  const { dispatcher } = internalsOf(model).runner;
  const parts = dispatcher.parts;
  const ready: ReadyMessage = {
    type: "ready",
    parts: { module: parts.module !== undefined, loss: parts.loss !== undefined, metrics: parts.metrics !== undefined, optimizer: parts.optimizer !== undefined },
    overridden: (["predStep", "testStep", "gradStep", "trainStep", "initStep"] as const).filter((k) => dispatcher.overridden(k)),
  };
  parentPort!.postMessage(ready);
  serve(model, startup);
}

main().catch((error) => {
  parentPort!.postMessage({ type: "failed", error: serializeError(error) });
});
