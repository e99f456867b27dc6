// One backend start at a time, shared: tfjs has one global backend, and two loads of one backend
// at once fail (the second setBackend finds the first half-initialized, so a model was told
// "wasm is not available" or auto fell back to cpu). Requests that the start under way satisfies
// share its promise; any other request waits for it to settle, then starts (or finds its
// backend already running).

export interface StartRequest<C> {
  /** The backend asked for ("auto" included). */
  readonly request: string;
  /** A model that names no backend takes whichever one the process runs on. */
  readonly acceptsAny: boolean;
  /** The choice already made that satisfies this request (and is still tfjs's backend), if any. */
  satisfied(): C | undefined;
  /** Loads and activates the backend. */
  start(): Promise<C>;
}

export class BackendStarts<C> {
  private starting: { request: string; promise: Promise<C> } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  ensure(r: StartRequest<C>): Promise<C> {
    const done = r.satisfied();
    if (done) return Promise.resolve(done);
    if (this.starting && (this.starting.request === r.request || r.acceptsAny)) return this.starting.promise;
    const promise = this.queue.then(() => r.satisfied() ?? r.start());
    const entry = { request: r.request, promise };
    this.starting = entry;
    this.queue = promise.catch(() => undefined);
    void this.queue.then(() => {
      if (this.starting === entry) this.starting = undefined;
    });
    return promise;
  }
}
