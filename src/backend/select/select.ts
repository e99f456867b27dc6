// Backend selection: "auto" tries CUDA (@tensorflow/tfjs-node-gpu), native CPU
// (@tensorflow/tfjs-node), the embedded wasm backend, then plain JS cpu, and says in one line
// which it took and why it skipped the better ones. An explicit choice that cannot load is an
// error naming the cause and the fix.
import { tf } from "../../tf";
import { ElegyBackendError } from "../../errors";
import { closestName, didYouMean } from "../../suggest";
import { applyWasmFixes } from "../wasm/fixes";
import { nativeStatus } from "../native/addon";
import { BACKEND_NAMES, type BackendName } from "./names";
import { BackendStarts } from "./start-once";
import { firstThatLoads, type AutoChoice } from "./first-that-loads";

export { BACKEND_NAMES, type BackendName };
type ConcreteBackend = Exclude<BackendName, "auto">;
const AUTO_ORDER: ConcreteBackend[] = ["cuda", "native", "wasm", "cpu"];

/** The backend in use; its reason is "requested" or auto's reasoning, skipped the better backends auto passed over. */
export type BackendChoice = AutoChoice<ConcreteBackend>;

/** How each backend loads; replaceable in tests (the native packages cannot install everywhere). */
export interface BackendLoader {
  /** Loads the backend and returns tfjs's name for it; throws (e.g. MODULE_NOT_FOUND) when it cannot. */
  load(): Promise<string>;
  /** The npm package that provides it, for messages. */
  readonly packageName?: string;
}

function requireBackendPackage(packageName: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(packageName);
}

async function activate(tfName: string): Promise<string> {
  if (!(await tf.setBackend(tfName))) throw new Error(`tfjs could not initialize its '${tfName}' backend`);
  await tf.ready();
  return tfName;
}

async function loadNative(packageName: string): Promise<string> {
  requireBackendPackage(packageName);
  // The package registers "tensorflow" with the tfjs-core it sees; elegy-ts must see the same one.
  if (!tf.findBackendFactory("tensorflow")) {
    throw new Error(`${packageName} loaded, but registered its backend with another copy of @tensorflow/tfjs-core; align its version with @tensorflow/tfjs ${tf.version.tfjs}`);
  }
  return activate("tensorflow");
}

export const loaders: Record<ConcreteBackend, BackendLoader> = {
  cuda: { packageName: "@tensorflow/tfjs-node-gpu", load: () => loadNative("@tensorflow/tfjs-node-gpu") },
  native: { packageName: "@tensorflow/tfjs-node", load: () => loadNative("@tensorflow/tfjs-node") },
  wasm: {
    packageName: "@tensorflow/tfjs-backend-wasm",
    load: async () => {
      // Required here, not at import: a registered-but-uninitialized wasm backend would make
      // every tensor created before selection fail.
      requireBackendPackage("@tensorflow/tfjs-backend-wasm");
      applyWasmFixes();
      return activate("wasm");
    },
  },
  cpu: {
    load: async () => {
      const name = await activate("cpu");
      (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false; // chosen on purpose: no tfjs-node advert
      return name;
    },
  },
};

/** "not installed" for a missing package, else the loader's own error. */
function whyNot(name: ConcreteBackend, error: unknown): string {
  const packageName = loaders[name].packageName;
  const err = error as { code?: string; message?: string };
  if (err?.code === "MODULE_NOT_FOUND" && packageName && err.message?.includes(packageName)) return `${packageName} is not installed`;
  return `failed to load: ${(err?.message ?? String(error)).split("\n")[0]}`;
}

function installHint(name: ConcreteBackend): string {
  const packageName = loaders[name].packageName;
  if (name === "cuda" || name === "native") {
    return (
      `Install it with \`npm install ${packageName}\`; under npm 11 also approve its install script, which downloads libtensorflow: ` +
      `\`npm install-scripts approve ${packageName} && npm rebuild ${packageName}\`. Or use backend "auto" to fall back.`
    );
  }
  return `Reinstall elegy-ts's dependencies (npm install), or use backend "auto".`;
}

let current: { request: BackendName; choice: BackendChoice } | undefined;

/** Names users know the backends by (tfjs's own, its packages'), which spelling distance alone would not map: `gpu` is not `cpu`. */
const BACKEND_ALIASES: Record<string, BackendName> = {
  gpu: "cuda", "tfjs-node-gpu": "cuda", tensorflow: "native", node: "native", "tfjs-node": "native", "tfjs-backend-wasm": "wasm",
};

/** The backend meant by a name that is not one: a known alias, else the closest name. */
export function suggestBackend(value: string): BackendName | undefined {
  const alias = BACKEND_ALIASES[value.trim().toLowerCase().replace(/^@tensorflow\//, "")];
  return alias ?? (closestName(value, BACKEND_NAMES) as BackendName | undefined);
}

/** Parses a backend name from an option or ELEGY_BACKEND. */
export function parseBackendName(value: string, source: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  const suggestion = suggestBackend(value);
  throw new ElegyBackendError(
    `Unknown backend '${value}' (from ${source}).${didYouMean(suggestion)} Choose one of: ${BACKEND_NAMES.join(", ")}.`,
  );
}

const starts = new BackendStarts<BackendChoice>();

/**
 * Loads the requested backend (default: ELEGY_BACKEND, else "auto") and makes it tfjs's
 * backend, once per process: every model (and `ready()`) awaits the same start. Cheap when
 * called again with the same request.
 */
export async function ensureBackend(requested?: string, options: { log?: (line: string) => void } = {}): Promise<BackendChoice> {
  const { request, acceptsAny } = parseRequest(requested);
  return starts.ensure({
    request,
    acceptsAny,
    satisfied: () => (current && (current.request === request || acceptsAny) && tf.getBackend() === current.choice.tfBackend ? current.choice : undefined),
    start: () => start(request, options.log),
  });
}

/**
 * The backend a request will run on, known without loading or switching anything: the named
 * one; for "auto", the one auto took earlier in this process (undefined before it has chosen);
 * "any" for a model that names none (and no ELEGY_BACKEND): it takes whichever runs.
 */
export function plannedBackend(requested?: string): ConcreteBackend | "any" | undefined {
  const { request, acceptsAny } = parseRequest(requested);
  if (acceptsAny) return "any";
  return request === "auto" ? autoPick : request;
}

/** The option (else ELEGY_BACKEND, else "auto"); a model that names none accepts whichever backend runs. */
function parseRequest(requested: string | undefined): { request: BackendName; acceptsAny: boolean } {
  const fromEnv = requested === undefined && process.env.ELEGY_BACKEND !== undefined && process.env.ELEGY_BACKEND !== "";
  const request = parseBackendName(requested ?? (fromEnv ? process.env.ELEGY_BACKEND! : "auto"), fromEnv ? "ELEGY_BACKEND" : "the backend option");
  return { request, acceptsAny: request === "auto" && requested === undefined && !fromEnv };
}

/** What "auto" took last (the packages a process can load do not change, so it takes the same again). */
let autoPick: ConcreteBackend | undefined;

async function start(request: BackendName, logOption: ((line: string) => void) | undefined): Promise<BackendChoice> {
  const log = logOption ?? ((line: string) => process.stderr.write(line + "\n"));
  let choice: BackendChoice;
  if (request === "auto") {
    const { choice: found, skipped } = await firstThatLoads(AUTO_ORDER, (name) => loaders[name].load(), whyNot);
    if (!found) throw new ElegyBackendError(`No backend could be loaded: ${skipped.map((s) => `${s.name}: ${s.why}`).join("; ")}.`);
    choice = found;
  } else {
    try {
      choice = { name: request, tfBackend: await loaders[request].load(), reason: "requested", skipped: [] };
    } catch (error) {
      throw new ElegyBackendError(`Backend '${request}' is not available: ${whyNot(request, error)}. ${installHint(request)}`);
    }
  }
  if (current?.choice.name !== choice.name) log(`elegy-ts: backend ${choice.name} (${choice.reason})${kernelsClause(choice)}`);
  current = { request, choice };
  if (request === "auto") autoPick = choice.name;
  return choice;
}

/**
 * On wasm, whether elegy-ts's own C++ kernels serve it. Said in the line because "native" there is
 * tfjs-node's backend: "native skipped" alone read as if these kernels were not used.
 */
function kernelsClause(choice: BackendChoice): string {
  if (choice.name !== "wasm") return "";
  const status = nativeStatus();
  if (!status.loaded) return `, without its C++ kernels (${status.detail})`;
  return `, with its C++ kernels (${status.isa}, ${status.threads} thread${status.threads === 1 ? "" : "s"})`;
}

/** The backend chosen so far, if any. */
export function currentBackend(): BackendChoice | undefined {
  return current?.choice;
}
