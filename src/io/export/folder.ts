// Writes tfjs-layers artifacts as the folder tf.loadLayersModel reads (Node):
//   model.json                 modelTopology, format, generatedBy, convertedBy, weightsManifest
//   group1-shard1ofN.bin …     the weights' bytes, cut into shards of at most 4 MiB (as tfjs' converter)
// Paths inside model.json are relative, so the folder can be moved or served as it is. Shards are
// written first and model.json last, each by an atomic rename; shards an earlier export left
// and the new model.json does not name are then removed. An export replaces an earlier export in
// its folder and nothing else: a folder holding other files is refused before anything is written.
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { tf } from "../../tf";
import { ElegyInputError } from "../../errors";

export const MODEL_JSON = "model.json";
export const SHARD_BYTES = 4 * 1024 * 1024;
const SHARD_NAME = /^group\d+-shard\d+of\d+\.bin$/;

/** Writes the folder; returns the file names written (model.json first). */
export async function writeLayersFolder(dir: string, artifacts: tf.io.ModelArtifacts): Promise<string[]> {
  const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
  const count = Math.ceil(data.byteLength / SHARD_BYTES);
  const shards = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  const modelJSON: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: "elegy-ts",
    weightsManifest: [{ paths: shards, weights: artifacts.weightSpecs ?? [] }],
  };
  await checkTarget(dir);
  await fs.promises.mkdir(dir, { recursive: true });
  const previous = await previousShards(dir);
  for (const [i, shard] of shards.entries()) {
    await writeAtomically(path.join(dir, shard), data.subarray(i * SHARD_BYTES, Math.min((i + 1) * SHARD_BYTES, data.byteLength)));
  }
  await writeAtomically(path.join(dir, MODEL_JSON), Buffer.from(JSON.stringify(modelJSON)));
  for (const stale of previous) if (!shards.includes(stale)) await fs.promises.rm(path.join(dir, stale), { force: true });
  return [MODEL_JSON, ...shards];
}

/** Refuses a target that is not a folder, or a folder with files but no earlier export in it. */
async function checkTarget(dir: string): Promise<void> {
  const stat = await fs.promises.stat(dir).catch(() => undefined);
  if (stat === undefined) return;
  if (!stat.isDirectory()) {
    throw new ElegyInputError(`export: '${dir}' is a file, not a folder. Give the path of a new folder, or of one holding an earlier export (which is replaced).`);
  }
  const names = (await fs.promises.readdir(dir)).sort();
  if (names.length === 0 || (await holdsLayersExport(dir))) return;
  const shown = names.slice(0, 3).join(", ") + (names.length > 3 ? `, … (${names.length} entries)` : "");
  throw new ElegyInputError(
    `export: '${dir}' already holds other files (${shown}) and no earlier export, so exporting there could overwrite them. Export into a new or empty folder.`,
  );
}

/** Whether the folder's model.json is a tfjs-layers export (what a re-export may replace). */
async function holdsLayersExport(dir: string): Promise<boolean> {
  try {
    const json = JSON.parse(await fs.promises.readFile(path.join(dir, MODEL_JSON), "utf8")) as Partial<tf.io.ModelJSON>;
    return typeof json === "object" && json !== null && typeof json.modelTopology === "object" && Array.isArray(json.weightsManifest);
  } catch {
    return false;
  }
}

/** Shard files the folder's current model.json names (only plain shard names: nothing else is removed). */
async function previousShards(dir: string): Promise<string[]> {
  try {
    const json = JSON.parse(await fs.promises.readFile(path.join(dir, MODEL_JSON), "utf8")) as tf.io.ModelJSON;
    return (json.weightsManifest ?? []).flatMap((group) => group.paths).filter((p) => typeof p === "string" && SHARD_NAME.test(p));
  } catch {
    return [];
  }
}

async function writeAtomically(file: string, data: Uint8Array): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await fs.promises.writeFile(temporary, data);
    await fs.promises.rename(temporary, file);
  } finally {
    await fs.promises.rm(temporary, { force: true });
  }
}
