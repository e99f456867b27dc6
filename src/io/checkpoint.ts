// The checkpoint folder on disk:
//   checkpoint.safetensors   the whole checkpoint: tensors + elegy-ts's layout (checkpoint-codec.ts)
// Saving writes a temporary file, syncs it and renames it over the old one, so a crash at any
// point leaves the previous or the new checkpoint whole. Loading stats before reading (regular
// files only, sizes checked against the header before the data is read), validates everything
// before building a tensor, and executes no code. The bytes ↔ checkpoint codec is pure (browser
// too); this file adds the file system and node:crypto's faster SHA-256.
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { ElegyCheckpointError } from "../errors";
import { States } from "../states";
import { Checkpoint, CheckpointInfo, decodeCheckpoint, encodeCheckpoint } from "./checkpoint-codec";
import { LEGACY_MANIFEST_FILE, isLegacyFile, loadLegacyCheckpoint } from "./legacy-checkpoint";
import { openRegularFile, readExactly } from "./regular-file";
import { headerLength, parseSafetensorsHeader } from "./safetensors";
import { Sha256 } from "./sha256";

export type { Checkpoint, CheckpointInfo } from "./checkpoint-codec";

export const CHECKPOINT_FILE = "checkpoint.safetensors";

const nodeSha256: Sha256 = (chunks) => {
  const hash = createHash("sha256");
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest("hex");
};

/** Whether `dir` holds a checkpoint (of this format or the earlier one). */
export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, CHECKPOINT_FILE)) || fs.existsSync(path.join(dir, LEGACY_MANIFEST_FILE));
}

/** mkdir -p, with a file where a folder belongs named (mkdir says only EEXIST or ENOTDIR). */
async function makeFolder(dir: string): Promise<void> {
  try {
    await fs.promises.mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EEXIST" && code !== "ENOTDIR") throw error;
    // The nearest existing part of the path is the file in the way.
    let file = dir;
    while (!fs.existsSync(file) && path.dirname(file) !== file) file = path.dirname(file);
    throw new ElegyCheckpointError(
      `Cannot save to ${dir}: ${file} is a file, not a folder. model.save(dir) writes a folder (its ${CHECKPOINT_FILE} inside): ` +
        "give the path of a new folder, or of a checkpoint folder to replace.",
      { cause: error },
    );
  }
}

/** Writes states to `dir` atomically (see the file comment). */
export async function saveCheckpoint(dir: string, states: States, info: CheckpointInfo): Promise<void> {
  const bytes = await encodeCheckpoint(states, info, nodeSha256);
  await makeFolder(dir);
  await writeAtomically(path.join(dir, CHECKPOINT_FILE), bytes);
  await syncDirectory(dir);
  await removeStaleFiles(dir);
}

async function writeAtomically(file: string, data: Uint8Array): Promise<void> {
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

/** Removes temporaries of interrupted saves, and an earlier-format checkpoint this save supersedes. */
async function removeStaleFiles(dir: string): Promise<void> {
  for (const name of await fs.promises.readdir(dir)) {
    if (name.startsWith(`${CHECKPOINT_FILE}.tmp-`) || isLegacyFile(name)) await fs.promises.rm(path.join(dir, name), { force: true });
  }
}

/** Reads and fully validates a checkpoint folder. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const file = path.join(dir, CHECKPOINT_FILE);
  const opened = await openRegularFile(file);
  if (!opened) {
    if (fs.existsSync(path.join(dir, LEGACY_MANIFEST_FILE))) return loadLegacyCheckpoint(dir);
    const exists = await fs.promises.stat(dir).catch(() => undefined);
    // A trainer's run folder (runs/Net) keeps its checkpoint in checkpoint/: the likeliest slip.
    const inner = path.join(dir, "checkpoint");
    const innerFile = await fs.promises.stat(path.join(inner, CHECKPOINT_FILE)).catch(() => undefined);
    throw new ElegyCheckpointError(
      innerFile?.isFile()
        ? `${dir} is not a checkpoint: it has no ${CHECKPOINT_FILE}. Did you mean '${inner}'? That folder holds one (a run folder keeps its checkpoint there).`
        : exists
        ? `${dir} is not a checkpoint: it has no ${CHECKPOINT_FILE}. Point to a folder written by model.save(dir).`
        : `No checkpoint at ${dir}: the folder does not exist. Check the path, or save one first with model.save(dir).`,
    );
  }
  const { handle, size } = opened;
  try {
    // Sizes first: the file must be exactly what its header declares before its data is read.
    const prefix = new Uint8Array(8);
    if (size < 8) throw new ElegyCheckpointError(`${file} is truncated: it has ${size} bytes, fewer than the 8 of a safetensors length prefix.`);
    await readExactly(file, handle, prefix, 0, 8, 0);
    const length = headerLength(prefix, file);
    if (8 + length > size) throw new ElegyCheckpointError(`${file} is truncated: its header alone should have ${length} bytes, the file has ${size - 8} after the length prefix.`);
    const headerBytes = new Uint8Array(length);
    await readExactly(file, handle, headerBytes, 0, length, 8);
    const header = parseSafetensorsHeader(headerBytes, file);
    const declared = header.dataStart + header.dataBytes;
    if (size > declared) throw new ElegyCheckpointError(`${file} has ${size} bytes, more than the ${declared} its header declares; it is corrupt. Refusing to load it.`);
    if (size < declared) throw new ElegyCheckpointError(`${file} is truncated: its header declares ${declared} bytes, the file has ${size}.`);
    const bytes = new Uint8Array(size);
    bytes.set(prefix);
    bytes.set(headerBytes, 8);
    await readExactly(file, handle, bytes, header.dataStart, header.dataBytes, header.dataStart);
    return decodeCheckpoint(bytes, file, nodeSha256);
  } finally {
    await handle.close();
  }
}
