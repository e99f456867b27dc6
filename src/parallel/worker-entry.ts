// A replica's worker thread: loads the backend, builds the model from its class, tells the
// main thread it is ready, then serves commands from its control block until told to stop.
// Each step: copy the current states and its shard of the batch from shared memory into the
// tensors it keeps for them, run the gradient step (the model's own @gradStep or the default
// chain), write back loss, per-batch logs, gradients and the metric states it accumulated from
// zero, answer, and only then free the step's tensors.
import "../setup"; // the package's side effects (reflect-metadata, gradient registrations), as a user's import would
import { parentPort, workerData } from "node:worker_threads";
import { tf } from "../tf";
import { ensureBackend } from "../backend";
import { isRunning } from "../logs";
import { Model, internalsOf } from "../model/model";
import { inStepScope } from "../autodiff/step-scope";
import { RNG, States } from "../states";
import type { StepCall } from "../model/step-context";
import { collectTensors } from "../tree";
import { Command, Status, Word, publish, takeMail, waitForChange } from "./control";
import { enterReplica } from "./replica-context";
import type { CommandInput, CommandResult, FailedMessage, InputMail, ReadyMessage, ReplicaMail, ReplicaStartup } from "./protocol";
import { serializeError } from "./replica-errors";
import { Inbox, Layout, bufferFor, flatten, writeFlat } from "./tensor-transport";

/** A replica's generator for a step: derived from the main thread's state, different for each replica. */
export function replicaRng(state: { seed: number; counter: number }, index: number): RNG {
  return RNG.fromState({ seed: (state.seed ^ Math.imul(index, 0x9e3779b1)) | 0, counter: state.counter });
}

function build(recipe: ReplicaStartup["recipe"]): Model {
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

function serve(model: Model, startup: ReplicaStartup): void {
  const { control, port, index } = startup;
  const { runner } = internalsOf(model);
  const dispatcher = runner.dispatcher;
  const gradStep = (call: StepCall) => dispatcher.grad(call);
  const inbox = new Inbox();
  let seen = 0;
  let layout: Layout | undefined;
  let input: SharedArrayBuffer | undefined;
  let resultSignature = "";
  let output: SharedArrayBuffer | undefined;
  for (;;) {
    seen = waitForChange(control, Word.request, seen);
    if (Atomics.load(control, Word.mailToReplica) === 1) {
      const mail = takeMail<InputMail>(port, "layout");
      layout = mail.layout;
      input = mail.buffer;
    }
    const command = Atomics.load(control, Word.command);
    if (command === Command.stop) return;
    let mail = 0;
    let status: number = Status.ok;
    // What the step made: freed once the answer is out (the main thread need not wait for that).
    let made: unknown;
    try {
      const parts = inbox.fill(layout!, input!) as unknown as CommandInput;
      const rng = command === Command.probe ? RNG.fromState(parts.rng) : replicaRng(parts.rng, index);
      const states = new States({ ...parts.fields, metricsStates: parts.metrics, rng });
      // A shard of a fit's training step (its replication is the main thread's business: none here).
      const call: StepCall = {
        x: parts.batch.x, yTrue: parts.batch.y, sampleWeight: parts.batch.sampleWeight, classWeight: parts.classWeight,
        states, initializing: false, training: true, purpose: "fit", replication: undefined,
      };
      const [loss, logs, next, grads] = inStepScope(() => runner.traced.run(call, () => runner.runAs(call, gradStep), "a replica's shard"), collectTensors(parts));
      made = [loss, logs, next, grads];
      const perBatch: CommandResult["logs"] = {};
      const running: string[] = [];
      for (const [name, value] of Object.entries(logs)) {
        if (isRunning(value)) running.push(name);
        else perBatch[name] = value;
      }
      const changed = next.metricsStates !== parts.metrics;
      const answer: CommandResult = {
        loss, grads, logs: perBatch, running, metricsChanged: changed, metricsStates: changed ? next.metricsStates : undefined,
      };
      const flat = flatten(
        answer,
        new Set(),
        (part, path) => (part === "logs" ? `log '${path.slice(1)}'` : part === "grads" ? `gradient ${path || "(root)"}` : `${part}${path}`),
      );
      if (flat.layout.signature !== resultSignature || output === undefined || output.byteLength < flat.layout.bytes) {
        output = bufferFor(output, flat.layout.bytes);
        resultSignature = flat.layout.signature;
        port.postMessage({ type: "layout", layout: flat.layout, buffer: output } satisfies ReplicaMail);
        mail = 1;
      }
      writeFlat(flat, output);
    } catch (error) {
      port.postMessage({ type: "error", error: serializeError(error) } satisfies ReplicaMail);
      mail = 1;
      status = Status.failed;
    }
    Atomics.store(control, Word.mailToMain, mail);
    Atomics.store(control, Word.status, status);
    publish(control, Word.response, seen);
    // The step's tensors, but not the inbox's (the new states hold the params it was given).
    for (const t of collectTensors(made)) if (!inbox.owns(t) && !t.isDisposed) t.dispose();
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
    parentPort!.postMessage({ type: "failed", error: serializeError(error) } satisfies FailedMessage);
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
  parentPort!.postMessage({ type: "failed", error: serializeError(error) } satisfies FailedMessage);
});
