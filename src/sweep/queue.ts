// What the sweep and its workers share about the queue: the redis:// address, the job they pass,
// and BullMQ itself — an optional dependency, loaded only for --queue.
import { CliError } from "../cli/cli-error";
import { TrialRecord } from "./results";
import { TrialValues } from "./plan";

export interface QueueAddress {
  /** As given, for messages (without a password). */
  shown: string;
  name: string;
  connection: { host: string; port: number; username?: string; password?: string; db?: number; tls?: object; maxRetriesPerRequest: null };
}

/** `redis://[user:password@]host:port/name` (rediss:// for TLS); the queue name defaults to elegy-sweep. */
export function parseQueueAddress(url: string): QueueAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`--queue must be a redis:// address like redis://localhost:6379/my-sweep, got '${url}'.`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new CliError(`--queue must be a redis:// (or rediss://) address like redis://localhost:6379/my-sweep, got '${url}'.`);
  }
  const name = decodeURIComponent(parsed.pathname.replace(/^\/+/, "")) || "elegy-sweep";
  if (name.includes(":") || name.includes("/")) throw new CliError(`--queue: the queue name '${name}' may not hold ':' or '/'.`);
  const shown = `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}/${name}`;
  return {
    shown,
    name,
    connection: {
      host: parsed.hostname || "localhost",
      port: Number(parsed.port || 6379),
      username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
      password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
      tls: parsed.protocol === "rediss:" ? {} : undefined,
      // BullMQ's workers block on Redis; it asks for no per-request retry limit.
      maxRetriesPerRequest: null,
    },
  };
}

export type BullMQ = typeof import("bullmq");

/** BullMQ (with ioredis), or a message saying how to install them. */
export function loadBullmq(): BullMQ {
  try {
    require.resolve("ioredis");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("bullmq") as BullMQ;
  } catch (error) {
    if ((error as { code?: string }).code !== "MODULE_NOT_FOUND") throw error;
    throw new CliError(
      "--queue needs the optional packages bullmq and ioredis, which are not installed here. " +
        "Install them beside elegy-ts with: npm install bullmq@6.7.6 ioredis@5.8.2 (or run the sweep without --queue, on this machine).",
    );
  }
}

/** One trial as a job: everything a worker on another machine needs to run it. */
export interface TrialJob {
  sweep: string;
  trial: string;
  file: string;
  model: string;
  flags: string[];
  values: TrialValues;
  /** The trial's folder in the sweep's folder (written directly when the worker sees the same folder). */
  outDir: string;
  objective: string;
  mode: "min" | "max";
}

/** What a worker sends back: the trial's record, and its history.csv for a sweep folder it cannot see. */
export interface TrialJobResult {
  record: Partial<TrialRecord>;
  history: string;
  /** Where the worker wrote the trial's run. */
  outDir: string;
}

/** A trial's progress as the worker reports it. */
export interface TrialJobProgress {
  text: string;
}

const REACH_MS = 3000;

/** Errors of the connection itself (not of a command it carried): Redis is down, unknown or unreachable. */
export function isConnectionError(error: { code?: string; message: string }): boolean {
  const codes = ["ECONNREFUSED", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"];
  return (error.code !== undefined && codes.includes(error.code)) || /^(connect |Connection is closed|Stream isn't writeable)/.test(error.message);
}

/** "<command>: cannot reach the queue's Redis at <address>: <cause>. <fix>" for a connection error. */
export function unreachableMessage(command: string, address: QueueAddress, error: { code?: string; message: string }, timeoutMs: number): string {
  const { code, message } = error;
  const cause =
    code === "ECONNREFUSED" ? "connection refused (no Redis server listens there)"
    : code === "ETIMEDOUT" || /timed? ?out/i.test(message) ? `timed out after ${timeoutMs / 1000} s`
    : code === "ENOTFOUND" || code === "EAI_AGAIN" ? `the host '${address.connection.host}' is not known`
    : message.replace(/\.$/, "");
  const local = ["localhost", "127.0.0.1", "::1"].includes(address.connection.host);
  return (
    `${command}: cannot reach the queue's Redis at ${address.shown}: ${cause}. ` +
    (local
      ? `Start a Redis server there (e.g. redis-server --port ${address.connection.port} --daemonize yes), or check the --queue address.`
      : `Check that its Redis server is running and reachable from this machine, or check the --queue address.`)
  );
}

/**
 * Connects once (no retries, a few seconds at most) and pings, so a sweep whose Redis is down or
 * misnamed stops at once with the reason. BullMQ itself retries forever (its connections must
 * survive Redis restarts), which made an unreachable --queue look like a stuck sweep.
 */
export async function checkQueueReachable(address: QueueAddress, command: string): Promise<void> {
  loadBullmq(); // the install message first, when bullmq/ioredis are missing
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Redis = require("ioredis") as typeof import("ioredis").default;
  const client = new Redis({
    ...address.connection,
    lazyConnect: true,
    connectTimeout: REACH_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis rejects connect() with a bare "Connection is closed."; the cause comes as an event.
  let seen: Error | undefined;
  client.on("error", (error: Error) => (seen ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new CliError(unreachableMessage(command, address, (seen ?? error) as Error, REACH_MS));
  } finally {
    client.disconnect();
  }
}
