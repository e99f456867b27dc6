// Platform seam (see src/platform/README.md): a page has no folders. A checkpoint is the same
// safetensors bytes as Node's checkpoint.safetensors (io/checkpoint-codec.ts, pure), kept where
// the URL says:
//   indexeddb://name (or any scheme tfjs has an IO handler for)  through that handler, the bytes
//                    as the artifacts' weight data, marked as an elegy-ts checkpoint
//   downloads://name a download of name.safetensors — the file a Node checkpoint folder holds,
//                    so Model.load(folder) in Node reads it once it is saved there as checkpoint.safetensors
//   http(s)://…/dir, ./dir   (load only) fetches dir/checkpoint.safetensors, e.g. a run trained in Node, served
import type * as NodeSide from "../node/checkpoint";
import { tf } from "../../tf";
import { ElegyCheckpointError } from "../../errors";
import { Checkpoint, CheckpointInfo, FORMAT, decodeCheckpoint, encodeCheckpoint } from "../../io/checkpoint-codec";
import type { States } from "../../states";
import { needsNode } from "../needs-node";

/** The file name of a checkpoint in a folder (as io/checkpoint.ts writes it in Node). */
const CHECKPOINT_FILE = "checkpoint.safetensors";
const INSTEAD = "In a page, save to indexeddb://name (or another tfjs IO handler's URL) or downloads://name, or save from Node.";
const DOWNLOADS = "downloads://";

/** What an IO handler stores as the model topology of a checkpoint: a marker, not a model. */
interface CheckpointTopology {
  format: typeof FORMAT;
  file: typeof CHECKPOINT_FILE;
}

function hasScheme(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

export async function saveCheckpoint(dir: string, states: States, info: CheckpointInfo): Promise<void> {
  if (dir.startsWith(DOWNLOADS)) {
    const name = dir.slice(DOWNLOADS.length).replace(/\.safetensors$/, "") || "checkpoint";
    download(`${name}.safetensors`, await encodeCheckpoint(states, info));
    return;
  }
  const [handler] = hasScheme(dir) ? tf.io.getSaveHandlers(dir) : [];
  if (!handler?.save) throw needsNode(`Saving a checkpoint to the folder '${dir}'`, INSTEAD);
  const bytes = await encodeCheckpoint(states, info);
  const topology: CheckpointTopology = { format: FORMAT, file: CHECKPOINT_FILE };
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const result = await handler.save({ modelTopology: { ...topology }, format: FORMAT, generatedBy: "elegy-ts", weightSpecs: [], weightData });
  if (result.errors?.length) throw new ElegyCheckpointError(`Saving the checkpoint to ${dir} failed: ${result.errors.join("; ")}`);
}

export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  if (dir.startsWith(DOWNLOADS)) {
    throw new ElegyCheckpointError(`${dir}: downloads:// only saves. Serve the downloaded file as <folder>/${CHECKPOINT_FILE} and load the folder's URL, or load it in Node.`);
  }
  if (hasScheme(dir) && !/^https?:\/\//i.test(dir)) {
    const [handler] = tf.io.getLoadHandlers(dir);
    if (!handler?.load) throw new ElegyCheckpointError(`No tfjs IO handler loads ${dir}. ${INSTEAD}`);
    const artifacts = await handler.load();
    if ((artifacts.modelTopology as Partial<CheckpointTopology> | undefined)?.format !== FORMAT) {
      throw new ElegyCheckpointError(`${dir} holds a tfjs model, not an elegy-ts checkpoint (saved with model.save); load it with tf.loadLayersModel.`);
    }
    return decodeCheckpoint(bytesOf(artifacts.weightData), dir);
  }
  return decodeCheckpoint(await fetchCheckpoint(dir), dir);
}

/** The checkpoint file of a folder served over HTTP (relative URLs resolve against the page). */
async function fetchCheckpoint(dir: string): Promise<Uint8Array> {
  const page = globalThis as { document?: { baseURI: string }; location?: { href: string } };
  const url = new URL(`${dir.replace(/\/+$/, "")}/${CHECKPOINT_FILE}`, page.document?.baseURI ?? page.location?.href).href;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new ElegyCheckpointError(`Cannot fetch the checkpoint ${url}: ${(error as Error).message}. ${INSTEAD}`);
  }
  if (!response.ok) throw new ElegyCheckpointError(`No checkpoint at ${url} (HTTP ${response.status}). ${INSTEAD}`);
  return new Uint8Array(await response.arrayBuffer());
}

function bytesOf(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) throw new ElegyCheckpointError("The stored checkpoint has no data: it was not saved by model.save.");
  const parts = Array.isArray(data) ? data : [data];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(new Uint8Array(part), at);
    at += part.byteLength;
  }
  return out;
}

/** Hands the bytes to the browser as a file download (what tfjs's downloads:// handler does for its files). */
function download(fileName: string, bytes: Uint8Array): void {
  const page = globalThis as unknown as { document?: { createElement(tag: "a"): { href: string; download: string; click(): void } } };
  if (!page.document) throw needsNode("downloads:// outside a page", INSTEAD);
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }));
  const anchor = page.document.createElement("a");
  anchor.href = url;
  anchor.download = fileName;
  anchor.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

({ saveCheckpoint, loadCheckpoint }) satisfies typeof NodeSide;
