// Test helper (not a test file): reads a checkpoint.safetensors into its parts and writes them
// back — to play a hostile or careless editor of the file. `reseal` recomputes the checksum,
// as an attacker who knows the format would, so the checks behind it are tested too.
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";

export interface CheckpointParts {
  file: string;
  header: Record<string, any>;
  layout: Record<string, any>;
  data: Buffer;
}

export function readParts(dir: string): CheckpointParts {
  const file = path.join(dir, "checkpoint.safetensors");
  const bytes = fs.readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")) as Record<string, any>;
  const layout = JSON.parse(header.__metadata__["elegy.layout"]) as Record<string, any>;
  return { file, header, layout, data: bytes.subarray(8 + n) };
}

/** Writes the parts back; `headerText` replaces the JSON header verbatim when given. */
export function writeParts(parts: CheckpointParts, options: { reseal?: boolean; headerText?: string } = {}): void {
  const layoutText = JSON.stringify(parts.layout);
  parts.header.__metadata__["elegy.layout"] = layoutText;
  if (options.reseal) parts.header.__metadata__["elegy.sha256"] = createHash("sha256").update(layoutText).update(parts.data).digest("hex");
  const json = Buffer.from(options.headerText ?? JSON.stringify(parts.header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(parts.file, Buffer.concat([prefix, json, parts.data]));
}

export function editParts(dir: string, edit: (parts: CheckpointParts) => void, options: { reseal?: boolean } = {}): void {
  const parts = readParts(dir);
  edit(parts);
  writeParts(parts, options);
}
