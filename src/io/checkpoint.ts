// The checkpoint folder:
//   checkpoint.json          manifest: format, version, class, epoch, states layout, tensor table, checksum
//   tensors-<sha256>.bin     every tensor's raw little-endian bytes, back to back
// Saving writes the new .bin, then swaps checkpoint.json in with an atomic rename, then
// removes the old .bin: a crash at any point leaves the previous or the new checkpoint
// whole. Loading validates everything before building a tensor, and executes no code.
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { tf } from "../tf";
import { ElegyCheckpointError } from "../errors";
import { States } from "../states";
import { isPlainObject } from "../tree";
import { FORBIDDEN_KEYS, Layout, decodeStates, encodeStates } from "./states-codec";

export const MANIFEST_FILE = "checkpoint.json";
export const FORMAT = "elegy-ts/checkpoint";
export const VERSION = 1;
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

export interface Manifest {
  format: typeof FORMAT;
  version: typeof VERSION;
  className: string;
  /** Epochs completed when saved (fit's initialEpoch to resume from). */
  epoch: number;
  tensorsFile: string;
  tensorsBytes: number;
  tensorsSha256: string;
  tensors: TensorEntry[];
  states: Record<string, Layout>;
}

export interface Checkpoint {
  className: string;
  epoch: number;
  states: States;
}

/** Writes states to `dir` atomically (see the file comment). */
export async function saveCheckpoint(dir: string, states: States, info: { className: string; epoch: number }): Promise<void> {
  const { layout, tensors } = encodeStates(states);
  const entries: TensorEntry[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  const bad = tensors.find((t) => !(t.dtype in BYTES_PER_ELEMENT));
  if (bad) throw new ElegyCheckpointError(`Cannot save a ${bad.dtype} tensor: checkpoints hold float32, int32 and bool tensors.`);
  // Every read is started in this tick: a fit running alongside (save may be called during fit)
  // cannot replace the States between two reads, so the checkpoint is one step's States.
  const contents = await Promise.all(tensors.map((t) => t.data()));
  for (const [i, t] of tensors.entries()) {
    const data = contents[i];
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    entries.push({ dtype: t.dtype as SavedDtype, shape: [...t.shape], offset, bytes: bytes.length });
    chunks.push(bytes);
    offset += bytes.length;
  }
  const blob = Buffer.concat(chunks);
  const sha = createHash("sha256").update(blob).digest("hex");
  const manifest: Manifest = {
    format: FORMAT, version: VERSION, className: info.className, epoch: info.epoch,
    tensorsFile: `tensors-${sha}.bin`, tensorsBytes: blob.length, tensorsSha256: sha, tensors: entries, states: layout,
  };
  await fs.promises.mkdir(dir, { recursive: true });
  await writeAtomically(path.join(dir, manifest.tensorsFile), blob);
  await writeAtomically(path.join(dir, MANIFEST_FILE), Buffer.from(JSON.stringify(manifest)));
  await syncDirectory(dir);
  await removeStaleFiles(dir, manifest.tensorsFile);
}

async function writeAtomically(file: string, data: Buffer): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const handle = await fs.promises.open(temporary, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temporary, file);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes tensor files the manifest no longer names, and temporaries of interrupted saves. */
async function removeStaleFiles(dir: string, keep: string): Promise<void> {
  for (const name of await fs.promises.readdir(dir)) {
    if (name === keep) continue;
    if (TENSORS_FILE.test(name) || /^(tensors-[0-9a-f]{64}\.bin|checkpoint\.json)\.tmp-/.test(name)) {
      await fs.promises.rm(path.join(dir, name), { force: true });
    }
  }
}

/** Reads and fully validates a checkpoint folder. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const manifestPath = path.join(dir, MANIFEST_FILE);
  const stat = await fs.promises.stat(manifestPath).catch(() => undefined);
  if (!stat) {
    const exists = await fs.promises.stat(dir).catch(() => undefined);
    throw new ElegyCheckpointError(
      exists
        ? `${dir} is not a checkpoint: it has no ${MANIFEST_FILE}. Point to a folder written by model.save(dir).`
        : `No checkpoint at ${dir}: the folder does not exist. Check the path, or save one first with model.save(dir).`,
    );
  }
  if (stat.size > MAX_MANIFEST_BYTES) {
    throw new ElegyCheckpointError(`${manifestPath} is ${stat.size} bytes, more than a checkpoint manifest can be (${MAX_MANIFEST_BYTES}); it is not an elegy-ts checkpoint.`);
  }
  const manifest = parseManifest(await fs.promises.readFile(manifestPath, "utf8"), manifestPath);
  const blobPath = path.join(dir, manifest.tensorsFile);
  const blob = await fs.promises.readFile(blobPath).catch(() => {
    throw new ElegyCheckpointError(`The checkpoint at ${dir} is incomplete: ${manifest.tensorsFile} is missing. Restore it, or use another checkpoint.`);
  });
  if (blob.length !== manifest.tensorsBytes) {
    throw new ElegyCheckpointError(
      `The checkpoint at ${dir} is truncated or corrupt: ${manifest.tensorsFile} has ${blob.length} bytes, the manifest says ${manifest.tensorsBytes}.`,
    );
  }
  const sha = createHash("sha256").update(blob).digest("hex");
  if (sha !== manifest.tensorsSha256) {
    throw new ElegyCheckpointError(`The checkpoint at ${dir} is corrupt: the checksum of ${manifest.tensorsFile} does not match the manifest.`);
  }
  const tensors = manifest.tensors.map((entry) => tensorFrom(blob, entry));
  try {
    return { className: manifest.className, epoch: manifest.epoch, states: decodeStates(manifest.states, tensors) };
  } catch (error) {
    tf.dispose(tensors);
    throw error;
  }
}

function tensorFrom(blob: Buffer, entry: TensorEntry): tf.Tensor {
  // Copy into a fresh, aligned buffer: typed arrays need alignment, and the blob may be pooled.
  const bytes = new Uint8Array(entry.bytes);
  bytes.set(blob.subarray(entry.offset, entry.offset + entry.bytes));
  const values = entry.dtype === "float32" ? new Float32Array(bytes.buffer) : entry.dtype === "int32" ? new Int32Array(bytes.buffer) : bytes;
  return tf.tensor(values, entry.shape, entry.dtype);
}

/** Parses the manifest, refusing anything that is not exactly the expected shape. */
export function parseManifest(text: string, where: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text, (key, value) => {
      if (FORBIDDEN_KEYS.has(key)) throw new ElegyCheckpointError(`${where} contains the key '${key}', which a checkpoint never has; refusing to load it.`);
      return value;
    });
  } catch (error) {
    if (error instanceof ElegyCheckpointError) throw error;
    throw new ElegyCheckpointError(`${where} is not valid JSON (${(error as Error).message}); the checkpoint is truncated or corrupt.`);
  }
  const fail = (problem: string): never => {
    throw new ElegyCheckpointError(`${where} is not a valid elegy-ts checkpoint: ${problem}.`);
  };
  if (!isPlainObject(raw)) return fail("it is not a JSON object");
  if (raw.format !== FORMAT) return fail(`its format is ${JSON.stringify(raw.format)}, expected "${FORMAT}"`);
  if (raw.version !== VERSION) return fail(`it is version ${JSON.stringify(raw.version)}; this elegy-ts reads version ${VERSION}`);
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
    const { dtype, shape, offset, bytes } = entry as Record<string, unknown>;
    if (typeof dtype !== "string" || !(dtype in BYTES_PER_ELEMENT)) fail(`tensor ${i} has the dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor ${i} has an invalid shape`);
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    const expected = elements * BYTES_PER_ELEMENT[dtype as SavedDtype];
    if (bytes !== expected) fail(`tensor ${i} declares ${String(bytes)} bytes, but a ${dtype} tensor of shape [${(shape as number[]).join(",")}] has ${expected}`);
    if (offset !== end) fail(`tensor ${i} starts at ${String(offset)}, expected ${end}`);
    end += expected;
    if (end > (raw as { tensorsBytes: number }).tensorsBytes) fail(`tensor ${i} ends past the ${(raw as { tensorsBytes: number }).tensorsBytes} bytes of the tensor file`);
  });
  if (end !== raw.tensorsBytes) fail(`the tensors take ${end} bytes but tensorsBytes says ${String(raw.tensorsBytes)}`);
  if (!isPlainObject(raw.states)) fail("states is missing");
  return raw as unknown as Manifest;
}
