// Backend selection in a web page: "auto" tries webgpu (where the browser gives a WebGPU
// adapter), webgl, wasm, then plain JS cpu, and says in one line which it took and why it
// skipped the better ones — as select.ts does in Node. The webgpu and wasm packages are
// imported only when tried, so a page that never asks for them does not initialize them (a
// registered but uninitialized backend would make tensors created before selection fail).
import { tf } from "../../tf";
import { ElegyBackendError } from "../../errors";
import { closestName, didYouMean } from "../../suggest";
import { applyWasmFixes } from "../wasm/fixes";
import { BackendStarts } from "./start-once";
import { firstThatLoads, type AutoChoice } from "./first-that-loads";

export const PAGE_BACKEND_NAMES = ["auto", "webgpu", "webgl", "wasm", "cpu"] as const;
export type PageBackendName = (typeof PAGE_BACKEND_NAMES)[number];
type ConcretePageBackend = Exclude<PageBackendName, "auto">;
const AUTO_ORDER: ConcretePageBackend[] = ["webgpu", "webgl", "wasm", "cpu"];
/** Backends only Node has: asking for one in a page names the page's choices instead. */
const NODE_ONLY = new Set(["cuda", "native", "tensorflow", "tfjs-node", "tfjs-node-gpu"]);

/** The backend in use; its reason is "requested" or auto's reasoning, skipped the better backends auto passed over. */
export type PageBackendChoice = AutoChoice<ConcretePageBackend>;

type WasmPaths = string | Partial<Record<"tfjs-backend-wasm.wasm" | "tfjs-backend-wasm-simd.wasm" | "tfjs-backend-wasm-threaded-simd.wasm", string>>;
let wasmPaths: WasmPaths | undefined;

/**
 * Where the wasm backend fetches its `.wasm` files: a folder URL (prefix) or one URL per file.
 * Default: the page's own folder (`new URL("./", document.baseURI)`), so copying
 * `node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm` next to the page is enough.
 * Call it before the first model method (or ensureBackend) that may pick wasm.
 */
export function setWasmPaths(prefixOrFileMap: WasmPaths): void {
  wasmPaths = prefixOrFileMap;
}

/** The prefix or file map the wasm backend will use (the documented default when none was set). */
export function wasmPathsInUse(): WasmPaths {
  const page = globalThis as { document?: { baseURI: string }; location?: { href: string } };
  return wasmPaths ?? new URL("./", page.document?.baseURI ?? page.location?.href).href;
}

async function activate(tfName: string): Promise<string> {
  if (!(await tf.setBackend(tfName))) throw new Error(`tfjs could not initialize its '${tfName}' backend`);
  await tf.ready();
  return tfName;
}

export const pageLoaders: Record<ConcretePageBackend, () => Promise<string>> = {
  webgpu: async () => {
    const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
    if (!gpu) throw new Error("this browser has no WebGPU (navigator.gpu is missing; it needs a secure context: https or localhost)");
    if (!(await gpu.requestAdapter())) throw new Error("the browser offers no WebGPU adapter");
    await import("@tensorflow/tfjs-backend-webgpu");
    return activate("webgpu");
  },
  webgl: async () => {
    if (!tf.findBackendFactory("webgl")) throw new Error("tfjs's webgl backend is not registered");
    return activate("webgl");
  },
  wasm: async () => {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    wasm.setWasmPaths(wasmPathsInUse());
    applyWasmFixes();
    return activate("wasm");
  },
  cpu: () => activate("cpu"),
};

/** Parses a backend name given to a model in a page. */
export function parsePageBackendName(value: string, source: string): PageBackendName {
  if ((PAGE_BACKEND_NAMES as readonly string[]).includes(value)) return value as PageBackendName;
  const choices = `Choose one of: ${PAGE_BACKEND_NAMES.join(", ")}.`;
  if (NODE_ONLY.has(value.trim().toLowerCase().replace(/^@tensorflow\//, ""))) {
    throw new ElegyBackendError(`Backend '${value}' (from ${source}) needs Node; a web page has none of tfjs-node's backends. ${choices}`);
  }
  throw new ElegyBackendError(`Unknown backend '${value}' (from ${source}).${didYouMean(closestName(value, PAGE_BACKEND_NAMES))} ${choices}`);
}

let current: { request: PageBackendName; choice: PageBackendChoice } | undefined;

/**
 * Loads the requested backend (default "auto") and makes it tfjs's backend; logs the choice once
 * (console.info unless `log` is given). Cheap when called again with the same request.
 */
export async function ensureBackend(requested?: string, options: { log?: (line: string) => void } = {}): Promise<PageBackendChoice> {
  const request = parsePageBackendName(requested ?? "auto", "the backend option");
  const acceptsAny = request === "auto" && requested === undefined;
  // One start at a time, shared by every model (see start-once.ts).
  return starts.ensure({
    request,
    acceptsAny,
    satisfied: () => (current && (current.request === request || acceptsAny) && tf.getBackend() === current.choice.tfBackend ? current.choice : undefined),
    start: () => start(request, options.log),
  });
}

/**
 * The backend a request will run on, known without loading or switching anything: the named
 * one; for "auto", the one auto took earlier in this page (undefined before it has chosen);
 * "any" for a model that names none: it takes whichever runs.
 */
export function plannedBackend(requested?: string): ConcretePageBackend | "any" | undefined {
  if (requested === undefined) return "any";
  const request = parsePageBackendName(requested, "the backend option");
  return request === "auto" ? autoPick : request;
}

/** What "auto" took last (what a page can load does not change, so it takes the same again). */
let autoPick: ConcretePageBackend | undefined;

const starts = new BackendStarts<PageBackendChoice>();

async function start(request: PageBackendName, logOption: ((line: string) => void) | undefined): Promise<PageBackendChoice> {
  const log = logOption ?? ((line: string) => console.info(line));
  let choice: PageBackendChoice;
  if (request === "auto") {
    const { choice: found, skipped } = await firstThatLoads(AUTO_ORDER, (name) => pageLoaders[name](), (_, error) => firstLine(error));
    if (!found) throw new ElegyBackendError(`No backend could be loaded in this page: ${skipped.map((s) => `${s.name}: ${s.why}`).join("; ")}.`);
    choice = found;
  } else {
    try {
      choice = { name: request, tfBackend: await pageLoaders[request](), reason: "requested", skipped: [] };
    } catch (error) {
      throw new ElegyBackendError(`Backend '${request}' is not available in this page: ${firstLine(error)}. Use backend "auto" to fall back to the next one.`);
    }
  }
  if (current?.choice.name !== choice.name) log(`elegy-ts: backend ${choice.name} (${choice.reason})`);
  current = { request, choice };
  if (request === "auto") autoPick = choice.name;
  return choice;
}

/** The backend chosen so far in this page, if any. */
export function currentBackend(): PageBackendChoice | undefined {
  return current?.choice;
}

function firstLine(error: unknown): string {
  return ((error as Error)?.message ?? String(error)).split("\n")[0];
}
