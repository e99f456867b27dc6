// The safetensors container (https://github.com/huggingface/safetensors), pure — no node
// modules, so the browser build reuses it:
//   8 bytes   N, the header's length, unsigned little-endian
//   N bytes   JSON: { "__metadata__": {string: string}, "<name>": { dtype, shape, data_offsets: [begin, end] }, … }
//             padded with spaces so the data starts 8-byte aligned
//   the data  every tensor's little-endian bytes, back to back (offsets relative to the data start)
// Parsing validates everything a hostile file could lie about before any tensor is built.
import { ElegyCheckpointError } from "../errors";
import { parseCheckpointJson } from "./json-guard";

/** The dtypes elegy-ts reads and writes, with their tfjs names and sizes. */
export const SAFE_DTYPES = {
  F32: { tf: "float32", bytes: 4 },
  I32: { tf: "int32", bytes: 4 },
  BOOL: { tf: "bool", bytes: 1 },
} as const;
export type SafeDtype = keyof typeof SAFE_DTYPES;
export type TfDtype = (typeof SAFE_DTYPES)[SafeDtype]["tf"];

export function safeDtypeOf(dtype: string): SafeDtype | undefined {
  return (Object.keys(SAFE_DTYPES) as SafeDtype[]).find((k) => SAFE_DTYPES[k].tf === dtype);
}

/** safetensors' own limit on the header (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;
const MAX_TENSORS = 1_000_000;
const MAX_RANK = 8;

export interface SafeTensorData {
  name: string;
  dtype: SafeDtype;
  shape: readonly number[];
  bytes: Uint8Array;
}

export interface SafeEntry {
  name: string;
  dtype: SafeDtype;
  shape: number[];
  /** Byte range within the data section. */
  begin: number;
  end: number;
}

export interface SafeHeader {
  /** Bytes before the data: 8 + the header's length. */
  dataStart: number;
  /** Bytes of the data section the entries cover. */
  dataBytes: number;
  /** In data order. */
  entries: SafeEntry[];
  metadata: Record<string, string>;
}

/** One safetensors file holding `tensors` in the order given, with string metadata. */
export function encodeSafetensors(tensors: readonly SafeTensorData[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded % 2 ** 32, true);
  view.setUint32(4, Math.floor(padded / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const t of tensors) {
    out.set(t.bytes, at);
    at += t.bytes.length;
  }
  return out;
}

/** The header's length from a file's first 8 bytes; refuses lengths no real header has. */
export function headerLength(prefix: Uint8Array, where: string): number {
  if (prefix.length < 8) throw corrupt(where, `it has ${prefix.length} bytes, fewer than the 8 of a safetensors length prefix; it is truncated`);
  const declared = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    throw corrupt(where, `it declares a header of ${declared} bytes, more than a safetensors header may have (${MAX_HEADER_BYTES})`);
  }
  const length = Number(declared);
  if (length < 2) throw corrupt(where, `it declares a header of ${length} bytes, too short for a JSON object`);
  return length;
}

/** Parses and validates the JSON header (the N bytes after the length prefix). */
export function parseSafetensorsHeader(headerBytes: Uint8Array, where: string): SafeHeader {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(headerBytes);
  } catch {
    throw corrupt(where, "its header is not UTF-8 text");
  }
  const raw = parseCheckpointJson(text, `The header of ${where}`);
  if (!isRecord(raw)) throw corrupt(where, "its header is not a JSON object");
  const names = Object.keys(raw).filter((k) => k !== "__metadata__");
  if (names.length > MAX_TENSORS) throw corrupt(where, `its header lists ${names.length} tensors, more than ${MAX_TENSORS}`);
  const metadata: Record<string, string> = {};
  if (raw.__metadata__ !== undefined) {
    if (!isRecord(raw.__metadata__)) throw corrupt(where, "its __metadata__ is not an object of strings");
    for (const [k, v] of Object.entries(raw.__metadata__)) {
      if (typeof v !== "string") throw corrupt(where, `its __metadata__ entry '${k}' is not a string`);
      metadata[k] = v;
    }
  }
  const entries = names.map((name) => entryOf(name, raw[name], where));
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  // The data must be covered exactly: no overlaps (one byte read as two tensors), no holes.
  let end = 0;
  entries.forEach((e, i) => {
    if (e.begin < end) throw corrupt(where, `tensor '${e.name}' (bytes ${e.begin}-${e.end}) overlaps tensor '${entries[i - 1].name}' (bytes ${entries[i - 1].begin}-${entries[i - 1].end})`);
    if (e.begin > end) throw corrupt(where, `the data has a gap at bytes ${end}-${e.begin}, before tensor '${e.name}'`);
    end = e.end;
  });
  return { dataStart: 8 + headerBytes.length, dataBytes: end, entries, metadata };
}

function entryOf(name: string, value: unknown, where: string): SafeEntry {
  const fail = (problem: string) => corrupt(where, `tensor '${name}' ${problem}`);
  if (name.length === 0) throw corrupt(where, "a tensor has an empty name");
  if (!isRecord(value)) throw fail("is not described by an object");
  const extra = Object.keys(value).filter((k) => k !== "dtype" && k !== "shape" && k !== "data_offsets");
  if (extra.length > 0) throw fail(`has the unknown field '${extra[0]}'`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== "string" || !Object.prototype.hasOwnProperty.call(SAFE_DTYPES, dtype)) {
    throw fail(`has the dtype ${JSON.stringify(dtype)}; elegy-ts reads ${Object.keys(SAFE_DTYPES).join(", ")}`);
  }
  if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(`has the shape ${JSON.stringify(shape)}; a shape is a list of at most ${MAX_RANK} non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
    throw fail(`has the data_offsets ${JSON.stringify(offsets)}; they must be [begin, end] byte positions with begin <= end`);
  }
  let size: number = SAFE_DTYPES[dtype as SafeDtype].bytes;
  for (const d of shape as number[]) {
    size *= d;
    if (!Number.isSafeInteger(size)) throw fail(`declares the shape [${shape.join(", ")}], too large to hold in memory`);
  }
  const [begin, end] = offsets as number[];
  if (end - begin !== size) {
    throw fail(`covers ${end - begin} bytes, but a ${dtype} tensor of shape [${(shape as number[]).join(", ")}] has ${size}`);
  }
  return { name, dtype: dtype as SafeDtype, shape: shape as number[], begin, end };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function corrupt(where: string, problem: string): ElegyCheckpointError {
  return new ElegyCheckpointError(`${where} is not a valid safetensors file: ${problem}. The checkpoint is corrupt or was not written by elegy-ts.`);
}
