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
  const previous = shardsOf(await checkTarget(dir));
  await fs.promises.mkdir(dir, { recursive: true });
  for (const [i, shard] of shards.entries()) {
    await writeAtomically(path.join(dir, shard), data.subarray(i * SHARD_BYTES, Math.min((i + 1) * SHARD_BYTES, data.byteLength)));
  }
  await writeAtomically(path.join(dir, MODEL_JSON), Buffer.from(JSON.stringify(modelJSON)));
  for (const stale of previous) if (!shards.includes(stale)) await fs.promises.rm(path.join(dir, stale), { force: true });
  return [MODEL_JSON, ...shards];
}

/**
 * Refuses a target that is not a folder, or a folder with files but no earlier export in it;
 * returns that earlier export's model.json, if any.
 */
async function checkTarget(dir: string): Promise<tf.io.ModelJSON | undefined> {
  const stat = await fs.promises.stat(dir).catch(() => undefined);
  if (stat === undefined) return undefined;
  if (!stat.isDirectory()) {
    throw new ElegyInputError(`export: '${dir}' is a file, not a folder. Give the path of a new folder, or of one holding an earlier export (which is replaced).`);
  }
  const names = (await fs.promises.readdir(dir)).sort();
  if (names.length === 0) return undefined;
  const earlier = await earlierExport(dir);
  if (earlier !== undefined) return earlier;
  const shown = names.slice(0, 3).join(", ") + (names.length > 3 ? `, … (${names.length} entries)` : "");
  throw new ElegyInputError(
    `export: '${dir}' already holds other files (${shown}) and no earlier export, so exporting there could overwrite them. Export into a new or empty folder.`,
  );
}

/** The folder's model.json when it is a tfjs-layers export (what a re-export may replace), else undefined. */
async function earlierExport(dir: string): Promise<tf.io.ModelJSON | undefined> {
  try {
    const json = JSON.parse(await fs.promises.readFile(path.join(dir, MODEL_JSON), "utf8")) as Partial<tf.io.ModelJSON> | null;
    return typeof json === "object" && json !== null && typeof json.modelTopology === "object" && Array.isArray(json.weightsManifest)
      ? (json as tf.io.ModelJSON)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Shard files an earlier export names (only plain shard names: nothing else is removed). */
function shardsOf(json: tf.io.ModelJSON | undefined): string[] {
  return (json?.weightsManifest ?? []).flatMap((group) => group.paths).filter((p) => typeof p === "string" && SHARD_NAME.test(p));
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
