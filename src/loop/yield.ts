// Gives the event loop a turn between batches, so timers, I/O and Ctrl-C handlers run
// during long epochs (wasm and cpu kernels run synchronously on the main thread).
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
