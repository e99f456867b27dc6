// A checkpoint as bytes, both ways: one standard safetensors file whose tensors are named by
// their States leaf path (`netParams.linear.kernel`) and whose __metadata__ holds two strings:
//   "elegy.layout"   JSON: format, version, epoch, architecture, the tensor table and the
//                    States layout (non-tensor leaves, the rng) — see architecture.ts, states-codec.ts
//   "elegy.sha256"   SHA-256 of the layout's UTF-8 bytes followed by the data section
// The checksum covers the layout, so an edited dtype, epoch or class name is detected, and the
// header's tensor entries must equal the layout's tensor table. Pure: no node modules, so the
// browser saves the same bytes to IndexedDB or a download. The hash is a parameter: plain-JS
// SHA-256 by default; the file layer (checkpoint.ts) passes node:crypto's.
import { tf } from "../tf";
import { ElegyCheckpointError } from "../errors";
import { States } from "../states";
import { isPlainObject } from "../tree";
import { Architecture, LeafTables, SpecTree, leafDifferences, leafTables, validateArchitecture } from "./architecture";
import { parseCheckpointJson } from "./json-guard";
import { SAFE_DTYPES, SafeDtype, SafeTensorData, encodeSafetensors, headerLength, parseSafetensorsHeader, safeDtypeOf } from "./safetensors";
import { Sha256, sha256 as sha256Js } from "./sha256";
import { Layout, decodeStates, encodeStates } from "./states-codec";

export const FORMAT = "elegy-ts/checkpoint";
export const VERSION = 2;
export const LAYOUT_KEY = "elegy.layout";
export const SHA256_KEY = "elegy.sha256";

/** What a save records besides the States. */
export interface CheckpointInfo {
  className: string;
  /** Epochs completed (where a resumed fit starts). */
  epoch: number;
  /** Spec of the init batch's x and y (see architecture.ts); null when unknown. */
  input?: SpecTree;
  target?: SpecTree;
  /** A description of the module, for tools that rebuild it without code (JSON data). */
  module?: unknown;
}

export interface Checkpoint {
  className: string;
  epoch: number;
  /** Absent only in checkpoints of the earlier format, which did not record it. */
  architecture?: Architecture;
  states: States;
}

interface LayoutDocument {
  format: typeof FORMAT;
  version: typeof VERSION;
  epoch: number;
  architecture: Architecture;
  /** [name, dtype, shape] of every tensor, in data order. */
  tensors: Array<[string, SafeDtype, number[]]>;
  states: Record<string, Layout>;
}

/** The checkpoint file's bytes. Reads every tensor from the device once. */
export async function encodeCheckpoint(states: States, info: CheckpointInfo, hash: Sha256 = sha256Js): Promise<Uint8Array> {
  const { layout, tensors } = encodeStates(states);
  const items = [...tensors].map(([name, tensor]) => {
    const dtype = safeDtypeOf(tensor.dtype);
    if (!dtype) throw new ElegyCheckpointError(`Cannot save states.${name}: it is a ${tensor.dtype} tensor; checkpoints hold float32, int32 and bool tensors.`);
    return { name, tensor, dtype };
  });
  // Wider dtypes first keeps every float32/int32 tensor 4-byte aligned in the file.
  items.sort((a, b) => SAFE_DTYPES[b.dtype].bytes - SAFE_DTYPES[a.dtype].bytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Every read starts in this tick: a fit running alongside (save may be called during fit)
  // cannot replace the States between two reads, so the checkpoint is one step's States.
  const values = await Promise.all(items.map(({ tensor }) => tensor.data()));
  const data: SafeTensorData[] = items.map(({ name, tensor, dtype }, i) => {
    const v = values[i] as Float32Array | Int32Array | Uint8Array;
    return { name, dtype, shape: [...tensor.shape], bytes: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) };
  });
  const architecture: Architecture = {
    className: info.className,
    input: info.input ?? null,
    target: info.target ?? null,
    leaves: leafTables(states),
    ...(info.module === undefined ? {} : { module: info.module }),
  };
  const document: LayoutDocument = {
    format: FORMAT, version: VERSION, epoch: info.epoch, architecture,
    tensors: data.map((d) => [d.name, d.dtype, [...d.shape]]),
    states: layout,
  };
  const text = JSON.stringify(document);
  const checksum = hash([new TextEncoder().encode(text), ...data.map((d) => d.bytes)]);
  return encodeSafetensors(data, { [LAYOUT_KEY]: text, [SHA256_KEY]: checksum });
}

/**
 * Validates a checkpoint file's bytes (named `where` in errors) completely — container, layout,
 * checksum, tensor table, architecture — then builds its States. Builds no tensor before all
 * checks pass; frees the ones it built if the States cannot be assembled.
 */
export function decodeCheckpoint(bytes: Uint8Array, where: string, hash: Sha256 = sha256Js): Checkpoint {
  const length = headerLength(bytes.subarray(0, 8), where);
  if (8 + length > bytes.length) throw new ElegyCheckpointError(`${where} is truncated: its header alone should have ${length} bytes, the file has ${bytes.length - 8} after the length prefix.`);
  const header = parseSafetensorsHeader(bytes.subarray(8, 8 + length), where);
  const declared = header.dataStart + header.dataBytes;
  if (bytes.length < declared) throw new ElegyCheckpointError(`${where} is truncated: its header declares ${declared} bytes, the file has ${bytes.length}.`);
  if (bytes.length > declared) throw new ElegyCheckpointError(`${where} has ${bytes.length} bytes, more than the ${declared} its header declares; it is corrupt. Refusing to load it.`);
  const text = header.metadata[LAYOUT_KEY];
  if (text === undefined) {
    throw new ElegyCheckpointError(
      `${where} is a safetensors file but not an elegy-ts checkpoint: its __metadata__ has no "${LAYOUT_KEY}". ` +
        "Load its tensors with a safetensors reader, or point to a folder written by model.save(dir).",
    );
  }
  const raw = parseCheckpointJson(text, `The layout (__metadata__ "${LAYOUT_KEY}") of ${where}`);
  const fail = (problem: string): never => {
    throw new ElegyCheckpointError(`${where} is not a valid elegy-ts checkpoint: ${problem}.`);
  };
  if (!isPlainObject(raw)) return fail("its layout is not a JSON object");
  if (raw.format !== FORMAT) return fail(`its format is ${JSON.stringify(raw.format)}, expected "${FORMAT}"`);
  if (raw.version !== VERSION) return fail(`it is version ${JSON.stringify(raw.version)}; this elegy-ts reads version ${VERSION}`);
  const data = bytes.subarray(header.dataStart);
  if (hash([new TextEncoder().encode(text), data]) !== header.metadata[SHA256_KEY]) {
    throw new ElegyCheckpointError(
      `${where} is corrupt: its SHA-256 does not match the one in its metadata (its tensor data or its layout changed after it was saved). ` +
        "Restore the file, or use another checkpoint.",
    );
  }
  if (!Number.isSafeInteger(raw.epoch) || (raw.epoch as number) < 0) fail("epoch is not a non-negative integer");
  const architecture = validateArchitecture(raw.architecture, where);
  checkTensorTable(raw.tensors, header.entries, fail);
  if (!isPlainObject(raw.states)) fail("states is missing");
  const tensors = new Map<string, tf.Tensor>();
  try {
    for (const entry of header.entries) tensors.set(entry.name, tensorFrom(data, entry.begin, entry.end, entry.dtype, entry.shape));
    const states = decodeStates(raw.states, tensors);
    const mismatch = leafDifferences(leafTables(states), architecture.leaves as LeafTables);
    if (mismatch.length > 0) fail(`its recorded architecture does not describe its states (${mismatch[0]})`);
    return { className: architecture.className, epoch: raw.epoch as number, architecture, states };
  } catch (error) {
    tf.dispose([...tensors.values()]);
    throw error;
  }
}

/** The header's entries (data order) must be exactly the layout's tensor table. */
function checkTensorTable(table: unknown, entries: ReadonlyArray<{ name: string; dtype: string; shape: number[] }>, fail: (problem: string) => never): void {
  if (!Array.isArray(table) || table.length !== entries.length) fail(`its layout lists ${Array.isArray(table) ? table.length : "no"} tensors, its header ${entries.length}`);
  entries.forEach((entry, i) => {
    const row = (table as unknown[])[i];
    const same = Array.isArray(row) && row.length === 3 && row[0] === entry.name && row[1] === entry.dtype &&
      Array.isArray(row[2]) && row[2].length === entry.shape.length && entry.shape.every((d, k) => (row[2] as unknown[])[k] === d);
    if (!same) fail(`its header's tensor '${entry.name}' (${entry.dtype} [${entry.shape.join(", ")}]) is not the layout's tensor ${i} (${JSON.stringify(row)})`);
  });
}

function tensorFrom(data: Uint8Array, begin: number, end: number, dtype: SafeDtype, shape: number[]): tf.Tensor {
  // Copy into a fresh buffer: typed arrays need alignment, and `data` may be a pooled or mapped view.
  const bytes = data.slice(begin, end);
  const values = dtype === "F32" ? new Float32Array(bytes.buffer) : dtype === "I32" ? new Int32Array(bytes.buffer) : bytes;
  return tf.tensor(values, shape, SAFE_DTYPES[dtype].tf);
}
