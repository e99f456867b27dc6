// A worker may start before its Redis, or outlive a Redis restart, so it keeps retrying the
// connection (BullMQ does, forever) — but says so once: the address, the cause and the fix, then
// one line that it keeps waiting and how often it retries. It speaks again only when the cause
// changes or the connection comes back. (It used to print the same error on every retry.)
import { QueueAddress, isConnectionError, unreachableMessage } from "./queue";

export class RedisWait {
  /** The cause line last printed, while the connection is down. */
  private shown: string | undefined;

  constructor(
    private readonly command: string,
    private readonly address: QueueAddress,
    private readonly retryMs: number,
    private readonly timeoutMs: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Takes an error of the worker; false when it is not about the connection (the caller reports it). */
  error(error: { code?: string; message: string }): boolean {
    if (!isConnectionError(error)) return false;
    const text = unreachableMessage(this.command, this.address, error, this.timeoutMs);
    if (text === this.shown) return true;
    const first = this.shown === undefined;
    this.shown = text;
    this.log(text);
    if (first) this.log(`${this.command}: still waiting for Redis at ${this.address.shown} (retrying every ${this.retryMs / 1000} s); Ctrl-C stops.`);
    return true;
  }

  /** A connection is up: says so when the wait was reported. */
  ready(): void {
    if (this.shown === undefined) return;
    this.shown = undefined;
    this.log(`${this.command}: connected to Redis at ${this.address.shown}.`);
  }
}
