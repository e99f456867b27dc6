// Node only. tfjs in Node without tfjs-node has no handler for "file://" URLs, so
// tf.loadLayersModel("file://…/model.json") fails. This registers one: it reads model.json and
// its weight shards with fs, strictly as data (JSON and bytes, never code), checks every size
// before reading, and keeps shard paths inside the model's folder. It stands aside whenever
// another handler answers the URL (tfjs-node's, for one), so there is never a choice of two.
import * as fs from "node:fs";
import * as path from "node:path";
import { tf } from "../../tf";
import { ElegyExportError } from "../../errors";
import { isPlainObject } from "../../tree";
import { FORBIDDEN_KEYS } from "../states-codec";

const SCHEME = "file://";
const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
const MAX_WEIGHTS = 1_000_000;
/** Bytes per element of each weight dtype a tfjs-layers model stores (quantized ones by their stored dtype). */
const ELEMENT_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

let registered = false;
/** Set while this router asks tfjs which other handlers answer a URL (it then answers nothing itself). */
let consulting = false;

/** Registers the file:// load handler once per process. */
export function registerFileLoader(): void {
  if (registered) return;
  registered = true;
  tf.io.registerLoadRouter(((url: string | string[]) => {
    if (consulting || typeof url !== "string" || !url.startsWith(SCHEME)) return null;
    consulting = true;
    try {
      if (tf.io.getLoadHandlers(url).length > 0) return null;
    } finally {
      consulting = false;
    }
    return fileHandler(url.slice(SCHEME.length));
  }) as Parameters<typeof tf.io.registerLoadRouter>[0]); // a router answers null for URLs it does not handle (tfjs' own do too)
}

/** A handler reading the model.json at `file` (a path, as after "file://"; relative to the working directory unless absolute). */
export function fileHandler(file: string): tf.io.IOHandler {
  return { load: () => loadModelFile(file) };
}

function fail(message: string): never {
  throw new ElegyExportError(message);
}

async function loadModelFile(file: string): Promise<tf.io.ModelArtifacts> {
  const stat = await fs.promises.stat(file).catch(() => fail(`No model at file://${file}: the file does not exist. Point to the model.json of an export.`));
  if (stat.isDirectory()) fail(`file://${file} is a folder; point to the model.json inside it (file://${path.join(file, "model.json")}).`);
  if (stat.size > MAX_MODEL_JSON_BYTES) fail(`${file} is ${stat.size} bytes, more than a model.json can be (${MAX_MODEL_JSON_BYTES}); it is not a tfjs-layers model.`);
  let json: unknown;
  try {
    json = JSON.parse(await fs.promises.readFile(file, "utf8"), (key, value: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) fail(`${file} contains the key '${key}', which a model.json never has; refusing to load it.`);
      return value;
    });
  } catch (error) {
    if (error instanceof ElegyExportError) throw error;
    fail(`${file} is not valid JSON (${(error as Error).message}); the model.json is truncated or corrupt.`);
  }
  if (!isPlainObject(json) || !isPlainObject(json.modelTopology)) fail(`${file} is not a tfjs model.json: it has no modelTopology object.`);
  const modelJSON = json as unknown as tf.io.ModelJSON;
  return tf.io.getModelArtifactsForJSON(modelJSON, (manifest) => loadWeights(file, manifest));
}

/** The weight specs and the bytes of every shard, each size checked against what the specs declare. */
async function loadWeights(file: string, manifest: unknown): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  const dir = path.resolve(path.dirname(file));
  const bad = (problem: string): never => fail(`${file} has an invalid weightsManifest: ${problem}.`);
  if (!Array.isArray(manifest)) bad("it is not a list of weight groups");
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shards: Array<{ file: string; bytes: number }> = [];
  for (const [g, group] of (manifest as unknown[]).entries()) {
    if (!isPlainObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) bad(`group ${g} lacks paths or weights`);
    const { paths, weights } = group as { paths: unknown[]; weights: unknown[] };
    if (specs.length + weights.length > MAX_WEIGHTS) bad("it declares too many weights");
    let declared = 0;
    for (const spec of weights) {
      declared += weightBytes(spec, bad);
      specs.push(spec as tf.io.WeightsManifestEntry);
    }
    let found = 0;
    for (const p of paths) {
      if (typeof p !== "string" || p === "" || path.isAbsolute(p)) bad(`group ${g} names the shard ${JSON.stringify(p)}, not a path relative to the model.json`);
      const shard = path.resolve(dir, p as string);
      if (!shard.startsWith(dir + path.sep)) bad(`the shard ${JSON.stringify(p)} lies outside the model's folder`);
      const size = await fs.promises.stat(shard).then((s) => (s.isFile() ? s.size : -1), () => -1);
      if (size < 0) fail(`The model at ${file} is incomplete: its weight file ${p as string} is missing. Copy the whole export folder.`);
      shards.push({ file: shard, bytes: size });
      found += size;
    }
    if (found !== declared) {
      fail(`The model at ${file} is truncated or corrupt: the weight files of group ${g} hold ${found} bytes, its weights need ${declared}.`);
    }
  }
  const data = new Uint8Array(shards.reduce((n, s) => n + s.bytes, 0));
  let offset = 0;
  for (const shard of shards) {
    const bytes = await fs.promises.readFile(shard.file);
    if (bytes.length !== shard.bytes) fail(`The weight file ${shard.file} changed while it was being read; load the model again.`);
    data.set(bytes, offset);
    offset += bytes.length;
  }
  return [specs, data.buffer];
}

/** The bytes one weight spec declares, or `bad` with what is wrong with it. */
function weightBytes(spec: unknown, bad: (problem: string) => never): number {
  if (!isPlainObject(spec) || typeof spec.name !== "string") return bad("a weight has no name");
  const { name, shape, dtype, quantization } = spec;
  if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return bad(`the weight '${name}' has an invalid shape`);
  const stored = isPlainObject(quantization) ? quantization.dtype : dtype;
  if (typeof dtype !== "string" || typeof stored !== "string" || !Object.hasOwn(ELEMENT_BYTES, stored)) {
    return bad(`the weight '${name}' has the dtype ${JSON.stringify(stored)} (readable: ${Object.keys(ELEMENT_BYTES).join(", ")})`);
  }
  const bytes = (shape as number[]).reduce((a, b) => a * b, 1) * ELEMENT_BYTES[stored];
  if (!Number.isSafeInteger(bytes)) return bad(`the weight '${name}' declares more bytes than can exist`);
  return bytes;
}
