// The main thread's side of the replicas: starts their worker threads (once per fit), hands
// each one a command with its input through shared memory, waits for the answers (blocking,
// inside the step), and stops the threads when fit ends — normally, on error or on
// stopTraining. A replica that fails has its error rethrown here; one whose thread ends, or
// that does not answer in time, is reported instead of waited for forever.
import * as path from "node:path";
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from "node:worker_threads";
import { ElegyReplicaError } from "../errors";
import { Command, Status, Word, newControl, publish, waitForResponse } from "./control";
import type { ReplicaRecipe } from "./model-recipe";
import { SerializedError, replicaError, serializeError } from "./replica-errors";
import { Flat, Layout, bufferFor, writeFlat } from "./tensor-transport";
import type { FailedMessage, InputMail, ReadyMessage, ReplicaMail, ReplicaStartup } from "./protocol";

const ENTRY = path.join(__dirname, "worker-entry.js");
const DEFAULT_STEP_TIMEOUT_MS = 10 * 60 * 1000;
const START_TIMEOUT_MS = 2 * 60 * 1000;

function stepTimeoutMs(): number {
  const fromEnv = Number(process.env.ELEGY_REPLICA_TIMEOUT_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_STEP_TIMEOUT_MS;
}

interface Replica {
  readonly index: number;
  readonly who: string;
  readonly worker: Worker;
  readonly control: Int32Array;
  readonly port: MessagePort;
  request: number;
  input?: SharedArrayBuffer;
  inputSignature: string;
  resultLayout?: Layout;
  resultBuffer?: SharedArrayBuffer;
  ready: ReadyMessage;
}

export class ReplicaGroup {
  private stopped = false;

  private constructor(
    private readonly replicas: Replica[],
    private readonly timeoutMs: number,
  ) {}

  /** Starts `count - 1` replicas (the main thread is replica 0) and waits until each has built its model. */
  static async start(recipe: ReplicaRecipe, count: number, backend: string): Promise<ReplicaGroup> {
    const started = Array.from({ length: count - 1 }, (_, i) => ReplicaGroup.launch(recipe, i + 1, count, backend));
    const outcomes = await Promise.allSettled(started.map((s) => s.ready));
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failure) {
      await Promise.all(started.map((s) => s.worker.terminate()));
      throw failure.reason;
    }
    const replicas = started.map((s, i) => ({ ...s.replica, ready: (outcomes[i] as PromiseFulfilledResult<ReadyMessage>).value }));
    return new ReplicaGroup(replicas, stepTimeoutMs());
  }

  private static launch(recipe: ReplicaRecipe, index: number, count: number, backend: string) {
    const { port1, port2 } = new MessageChannel();
    const control = newControl();
    const who = `Replica ${index} of ${count}`;
    const startup: ReplicaStartup = { recipe, backend, index, count, control, port: port2 };
    const worker = new Worker(ENTRY, { workerData: startup, transferList: [port2] });
    // After start-up the worker reports through its control block; a listener must stay, or an 'error' event would crash the process.
    worker.on("error", () => undefined);
    const ready = new Promise<ReadyMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ElegyReplicaError(`${who} did not start within ${START_TIMEOUT_MS / 1000} s.`)), START_TIMEOUT_MS);
      const settle = () => {
        clearTimeout(timer);
        worker.removeAllListeners("message");
        worker.off("exit", onExit);
      };
      const onExit = (code: number) => {
        settle();
        reject(new ElegyReplicaError(`${who} exited (code ${code}) while building ${recipe.className}.`));
      };
      worker.on("message", (message: ReadyMessage | FailedMessage) => {
        settle();
        if (message.type === "ready") resolve(message);
        else reject(replicaError(`${who} (building ${recipe.className} in its worker thread)`, message.error));
      });
      worker.once("error", (error) => {
        settle();
        reject(replicaError(`${who} (building ${recipe.className} in its worker thread)`, serializeError(error)));
      });
      worker.once("exit", onExit);
    });
    const replica = { index, who, worker, control, port: port1, request: 0, inputSignature: "" };
    return { worker, ready, replica };
  }

  get size(): number {
    return this.replicas.length + 1;
  }

  /** What each replica reported when it was built. */
  get readies(): ReadyMessage[] {
    return this.replicas.map((r) => r.ready);
  }

  /** Gives replica `index` (1 …) a command and its input; returns at once. */
  send(index: number, command: number, input: Flat): void {
    const r = this.replicas[index - 1];
    let mail = 0;
    if (input.layout.signature !== r.inputSignature || r.input === undefined || r.input.byteLength < input.layout.bytes) {
      r.input = bufferFor(r.input, input.layout.bytes);
      r.inputSignature = input.layout.signature;
      r.port.postMessage({ layout: input.layout, buffer: r.input } satisfies InputMail);
      mail = 1;
    }
    writeFlat(input, r.input);
    Atomics.store(r.control, Word.mailToReplica, mail);
    Atomics.store(r.control, Word.command, command);
    r.request += 1;
    publish(r.control, Word.request, r.request);
  }

  /** Waits for replica `index`'s answer to its last command; its result lies in the returned buffer until the next command. */
  receive(index: number): { layout: Layout; buffer: SharedArrayBuffer } {
    const r = this.replicas[index - 1];
    waitForResponse(r.control, r.request, r.who, this.timeoutMs);
    let failure: SerializedError | undefined;
    if (Atomics.load(r.control, Word.mailToMain) === 1) {
      for (let m = receiveMessageOnPort(r.port); m !== undefined; m = receiveMessageOnPort(r.port)) {
        const mail = m.message as ReplicaMail;
        if (mail.type === "error") failure ??= mail.error;
        else {
          r.resultLayout = mail.layout;
          r.resultBuffer = mail.buffer;
        }
      }
    }
    if (Atomics.load(r.control, Word.status) === Status.failed) {
      throw replicaError(r.who, failure ?? { name: "ElegyReplicaError", message: "it reported a failure without its error." });
    }
    if (!r.resultLayout || !r.resultBuffer) throw new ElegyReplicaError(`${r.who} answered without the layout of its result.`);
    return { layout: r.resultLayout, buffer: r.resultBuffer };
  }

  /** Tells every replica to stop and ends its thread. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const r of this.replicas) {
      Atomics.store(r.control, Word.command, Command.stop);
      Atomics.store(r.control, Word.mailToReplica, 0);
      r.request += 1;
      publish(r.control, Word.request, r.request);
      r.port.close();
    }
    await Promise.all(this.replicas.map((r) => r.worker.terminate()));
  }
}
