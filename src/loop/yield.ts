// Gives the event loop a turn between batches, so timers, I/O and Ctrl-C handlers run
// during long epochs (wasm and cpu kernels run synchronously on the main thread).
// In a page (no setImmediate) a MessageChannel message gives the same turn: setTimeout(0) would
// wait ≥ 4 ms once nested, and requestAnimationFrame a whole frame.
const turn: (callback: () => void) => void =
  typeof setImmediate === "function" ? setImmediate : messageTurn();

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => turn(resolve));
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
