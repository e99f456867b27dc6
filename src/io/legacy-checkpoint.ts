// Reads checkpoints of elegy-ts's first format (a folder of checkpoint.json + tensors-<sha256>.bin),
// with the same limits as the current one: regular files only, sizes checked before reading,
// the tensor file's checksum verified. That format recorded no input spec, so Model only loads
// it into an initialized model (whose own states it is compared with) — the path to convert it.
import * as path from "node:path";
import { createHash } from "node:crypto";
import { tf } from "../tf";
import { ElegyCheckpointError } from "../errors";
import { isPlainObject } from "../tree";
import type { Checkpoint } from "./checkpoint-codec";
import { parseCheckpointJson } from "./json-guard";
import { openRegularFile, readExactly } from "./regular-file";
import { decodeStates } from "./states-codec";

export const LEGACY_MANIFEST_FILE = "checkpoint.json";
const LEGACY_FORMAT = "elegy-ts/checkpoint";
const TENSORS_FILE = /^tensors-[0-9a-f]{64}\.bin$/;
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const MAX_TENSORS = 1_000_000;
const BYTES_PER_ELEMENT = { float32: 4, int32: 4, bool: 1 } as const;
type SavedDtype = keyof typeof BYTES_PER_ELEMENT;

interface TensorEntry {
  dtype: SavedDtype;
  shape: number[];
  offset: number;
  bytes: number;
}

interface Manifest {
  className: string;
  epoch: number;
  tensorsFile: string;
  tensorsBytes: number;
  tensorsSha256: string;
  tensors: TensorEntry[];
  states: Record<string, unknown>;
}

/** Files of the earlier format (and their temporaries), which a new save replaces. */
export function isLegacyFile(name: string): boolean {
  return name === LEGACY_MANIFEST_FILE || TENSORS_FILE.test(name) || /^(tensors-[0-9a-f]{64}\.bin|checkpoint\.json)\.tmp-/.test(name);
}

export async function loadLegacyCheckpoint(dir: string): Promise<Checkpoint> {
  const manifestPath = path.join(dir, LEGACY_MANIFEST_FILE);
  const manifestBytes = await readWhole(manifestPath, (size) =>
    size > MAX_MANIFEST_BYTES ? `${manifestPath} is ${size} bytes, more than a checkpoint manifest can be (${MAX_MANIFEST_BYTES}); it is not an elegy-ts checkpoint.` : undefined,
  );
  if (!manifestBytes) throw missing(dir, LEGACY_MANIFEST_FILE);
  const manifest = parseManifest(new TextDecoder().decode(manifestBytes), manifestPath);
  const blobPath = path.join(dir, manifest.tensorsFile);
  const blob = await readWhole(blobPath, (size) =>
    size !== manifest.tensorsBytes
      ? `The checkpoint at ${dir} is truncated or corrupt: ${manifest.tensorsFile} has ${size} bytes, the manifest says ${manifest.tensorsBytes}.`
      : undefined,
  );
  if (!blob) throw missing(dir, manifest.tensorsFile);
  if (createHash("sha256").update(blob).digest("hex") !== manifest.tensorsSha256) {
    throw new ElegyCheckpointError(`The checkpoint at ${dir} is corrupt: the checksum of ${manifest.tensorsFile} does not match the manifest.`);
  }
  const tensors = new Map<number, tf.Tensor>(manifest.tensors.map((entry, i) => [i, tensorFrom(blob, entry)]));
  try {
    return { className: manifest.className, epoch: manifest.epoch, states: decodeStates(manifest.states, tensors) };
  } catch (error) {
    tf.dispose([...tensors.values()]);
    throw error;
  }
}

function missing(dir: string, file: string): ElegyCheckpointError {
  return new ElegyCheckpointError(`The checkpoint at ${dir} is incomplete: ${file} is missing. Restore it, or use another checkpoint.`);
}

/** Reads a whole regular file after `refuse(size)` (a message, or undefined) accepts its size; undefined when missing. */
async function readWhole(file: string, refuse: (size: number) => string | undefined): Promise<Uint8Array | undefined> {
  const opened = await openRegularFile(file);
  if (!opened) return undefined;
  try {
    const problem = refuse(opened.size);
    if (problem) throw new ElegyCheckpointError(problem);
    const bytes = new Uint8Array(opened.size);
    await readExactly(file, opened.handle, bytes, 0, opened.size, 0);
    return bytes;
  } finally {
    await opened.handle.close();
  }
}

function tensorFrom(blob: Uint8Array, entry: TensorEntry): tf.Tensor {
  const bytes = blob.slice(entry.offset, entry.offset + entry.bytes);
  const values = entry.dtype === "float32" ? new Float32Array(bytes.buffer) : entry.dtype === "int32" ? new Int32Array(bytes.buffer) : bytes;
  return tf.tensor(values, entry.shape, entry.dtype);
}

/** Parses the manifest, refusing anything that is not exactly the expected shape. */
function parseManifest(text: string, where: string): Manifest {
  const raw = parseCheckpointJson(text, where);
  const fail = (problem: string): never => {
    throw new ElegyCheckpointError(`${where} is not a valid elegy-ts checkpoint: ${problem}.`);
  };
  if (!isPlainObject(raw)) return fail("it is not a JSON object");
  if (raw.format !== LEGACY_FORMAT) return fail(`its format is ${JSON.stringify(raw.format)}, expected "${LEGACY_FORMAT}"`);
  if (raw.version !== 1) return fail(`it is version ${JSON.stringify(raw.version)}; this elegy-ts reads version 1 in checkpoint.json`);
  if (typeof raw.className !== "string") fail("className is missing");
  if (!Number.isInteger(raw.epoch) || (raw.epoch as number) < 0) fail("epoch is not a non-negative integer");
  if (typeof raw.tensorsFile !== "string" || !TENSORS_FILE.test(raw.tensorsFile)) {
    fail(`tensorsFile ${JSON.stringify(raw.tensorsFile)} is not a plain file name of the form tensors-<sha256>.bin`);
  }
  if (typeof raw.tensorsSha256 !== "string" || !/^[0-9a-f]{64}$/.test(raw.tensorsSha256)) fail("tensorsSha256 is not a sha256");
  if (!Number.isSafeInteger(raw.tensorsBytes) || (raw.tensorsBytes as number) < 0) fail("tensorsBytes is not a byte count");
  if (!Array.isArray(raw.tensors) || raw.tensors.length > MAX_TENSORS) fail("tensors is not a list of tensor entries");
  let end = 0;
  (raw.tensors as unknown[]).forEach((entry, i) => {
    if (!isPlainObject(entry)) return fail(`tensor ${i} is not an object`);
    const { dtype, shape, offset, bytes } = entry;
    if (typeof dtype !== "string" || !Object.prototype.hasOwnProperty.call(BYTES_PER_ELEMENT, dtype)) fail(`tensor ${i} has the dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor ${i} has an invalid shape`);
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[dtype as SavedDtype];
    if (bytes !== expected) fail(`tensor ${i} declares ${String(bytes)} bytes, but a ${dtype} tensor of shape [${(shape as number[]).join(",")}] has ${expected}`);
    if (offset !== end) fail(`tensor ${i} starts at ${String(offset)}, expected ${end}`);
    end += expected;
    if (end > (raw.tensorsBytes as number)) fail(`tensor ${i} ends past the ${String(raw.tensorsBytes)} bytes of the tensor file`);
  });
  if (end !== raw.tensorsBytes) fail(`the tensors take ${end} bytes but tensorsBytes says ${String(raw.tensorsBytes)}`);
  if (!isPlainObject(raw.states)) fail("states is missing");
  return raw as unknown as Manifest;
}
