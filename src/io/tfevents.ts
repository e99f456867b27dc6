// TensorBoard event files, written without TensorFlow: TFRecord framing (length, masked
// CRC-32C of the length, payload, masked CRC-32C of the payload) around Event protobufs:
//   Event   { 1: double wall_time, 2: int64 step, 3: string file_version, 5: Summary summary }
//   Summary { 1: repeated Value value }
//   Value   { 1: string tag, 2: float simple_value }
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = BigInt(Math.trunc(value));
  if (v < 0n) v += 1n << 64n;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

function lengthDelimited(field: number, payload: Uint8Array): number[] {
  return [(field << 3) | 2, ...varint(payload.length), ...payload];
}

function scalarValue(tag: string, value: number): Uint8Array {
  const f = Buffer.alloc(4);
  f.writeFloatLE(value);
  return Uint8Array.from([...lengthDelimited(1, Buffer.from(tag, "utf8")), (2 << 3) | 5, ...f]);
}

/** One Event with a wall time, a step, and either a file version or scalar summaries. */
export function encodeEvent(wallTime: number, step: number, content: { fileVersion: string } | { scalars: Record<string, number> }): Uint8Array {
  const time = Buffer.alloc(8);
  time.writeDoubleLE(wallTime);
  const bytes: number[] = [(1 << 3) | 1, ...time, (2 << 3) | 0, ...varint(step)];
  if ("fileVersion" in content) {
    bytes.push(...lengthDelimited(3, Buffer.from(content.fileVersion, "utf8")));
  } else {
    const summary: number[] = [];
    for (const [tag, value] of Object.entries(content.scalars)) summary.push(...lengthDelimited(1, scalarValue(tag, value)));
    bytes.push(...lengthDelimited(5, Uint8Array.from(summary)));
  }
  return Uint8Array.from(bytes);
}

/** Frames one record as TFRecord. */
export function frameRecord(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(payload.length), 0);
  header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskedCrc32c(payload));
  return Buffer.concat([header, Buffer.from(payload), footer]);
}

/** Appends scalar summaries to one events file (tfevents naming, so TensorBoard finds it). */
export class EventFileWriter {
  readonly file: string;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    const seconds = Math.floor(Date.now() / 1000);
    this.file = path.join(dir, `events.out.tfevents.${seconds}.${os.hostname()}.${process.pid}.elegy-ts`);
    fs.writeFileSync(this.file, frameRecord(encodeEvent(Date.now() / 1000, 0, { fileVersion: "brain.Event:2" })));
  }

  scalars(step: number, values: Record<string, number>): void {
    fs.appendFileSync(this.file, frameRecord(encodeEvent(Date.now() / 1000, step, { scalars: values })));
  }
}
