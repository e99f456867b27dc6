// The control block shared by the main thread and one replica: a few Int32 words in a
// SharedArrayBuffer, written with Atomics. The main thread bumps `request` to hand the
// replica a command; the replica sets `response` to the same number when it is done. Bulk
// data travels in separate SharedArrayBuffers (tensor-transport.ts); layouts and errors,
// which are rare, travel as messages on a MessagePort that the receiver drains
// synchronously (receiveMessageOnPort) when the `mail` word says there is one.
import { MessagePort, receiveMessageOnPort } from "node:worker_threads";
import { ElegyReplicaError } from "../errors";

export const Word = {
  /** Sequence number of the latest command (main → replica). */
  request: 0,
  /** Sequence number of the latest command the replica finished (replica → main). */
  response: 1,
  command: 2,
  status: 3,
  /** 1 when the main thread posted a message with this request. */
  mailToReplica: 4,
  /** 1 when the replica posted a message with this response. */
  mailToMain: 5,
} as const;
export const CONTROL_WORDS = 16;

export const Command = { step: 1, probe: 2, stop: 3 } as const;
export const Status = { ok: 0, failed: 1, exited: 2 } as const;

export function newControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT));
}

/** Wakes whoever waits on `word` after setting it. */
export function publish(control: Int32Array, word: number, value: number): void {
  Atomics.store(control, word, value);
  Atomics.notify(control, word);
}

/** Blocks until `word` differs from `seen` (replica side: no timeout, a stop command ends the wait). */
export function waitForChange(control: Int32Array, word: number, seen: number): number {
  for (;;) {
    const value = Atomics.load(control, word);
    if (value !== seen) return value;
    Atomics.wait(control, word, seen);
  }
}

/**
 * How long the main thread looks for an answer before it sleeps. A replica's answer usually
 * comes within a fraction of a millisecond of the main thread's own shard, and waking a
 * sleeping thread costs 30–150 µs on the VMs measured — each step, on its critical path.
 */
const SPIN_MS = 0.3;

/**
 * Blocks the calling thread until the replica's response reaches `expected`: looks for it for
 * SPIN_MS, then sleeps. Wakes every `sliceMs` to notice a replica whose thread ended (its exit
 * handler sets `status`), and gives up after `timeoutMs`.
 */
export function waitForResponse(control: Int32Array, expected: number, who: string, timeoutMs: number, sliceMs = 50): void {
  const spinUntil = performance.now() + SPIN_MS;
  do {
    if (Atomics.load(control, Word.response) === expected) return;
  } while (performance.now() < spinUntil);
  const started = Date.now();
  for (;;) {
    const value = Atomics.load(control, Word.response);
    if (value === expected) return;
    if (Atomics.load(control, Word.status) === Status.exited) {
      throw new ElegyReplicaError(`${who} stopped (its worker thread exited) before finishing its step.`);
    }
    if (Date.now() - started > timeoutMs) {
      const limit = timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`;
      throw new ElegyReplicaError(
        `${who} did not finish its step within ${limit}. ` +
          "If one step can really take this long, raise the limit with the ELEGY_REPLICA_TIMEOUT_MS environment variable.",
      );
    }
    Atomics.wait(control, Word.response, value, sliceMs);
  }
}

/** The message that came with a signal (it was posted before the signal, so it is already queued). */
export function takeMail<T>(port: MessagePort, what: string): T {
  for (let attempt = 0; attempt < 100; attempt++) {
    const received = receiveMessageOnPort(port);
    if (received !== undefined) return received.message as T;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
  }
  throw new ElegyReplicaError(`The ${what} message announced by a replica's control block never arrived.`);
}
