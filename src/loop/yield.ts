// Gives the event loop a turn during long epochs, so timers, I/O and Ctrl-C handlers run (wasm
// and cpu kernels run synchronously on the main thread). A turn comes once a stretch of
// batches has computed for TURN_EVERY_MS, not after every batch: a turn costs a few µs (a libuv
// loop iteration), a third of a do-nothing step, and tfjs-layers' yieldEvery 'auto' also
// yields by time. 16 ms is a frame at 60 Hz, so a page stays responsive too.
// In a page (no setImmediate) a MessageChannel message gives the turn: setTimeout(0) would
// wait ≥ 4 ms once nested, and requestAnimationFrame a whole frame.
const turn: (callback: () => void) => void =
  typeof setImmediate === "function" ? setImmediate : messageTurn();

/** Longest stretch of computing (ms) between two turns of the event loop. */
export const TURN_EVERY_MS = 16;

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => turn(resolve));
}

/** Turns of the event loop for one pass over batches. */
export class EventLoopTurns {
  private last: number;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly every = TURN_EVERY_MS,
  ) {
    this.last = now();
  }

  /** A turn when `every` ms have passed since the last one (or since the start), else undefined: nothing to await. */
  due(): Promise<void> | undefined {
    if (this.now() - this.last < this.every) return undefined;
    return yieldToEventLoop().then(() => {
      this.last = this.now();
    });
  }
}

function messageTurn(): (callback: () => void) => void {
  const channel = new MessageChannel();
  const waiting: Array<() => void> = [];
  // A page's MessagePort (Node's types do not describe its onmessage, which also starts the port).
  (channel.port1 as unknown as { onmessage: () => void }).onmessage = () => waiting.shift()?.();
  return (callback) => {
    waiting.push(callback);
    channel.port2.postMessage(undefined);
  };
}
