// Grayscale PNG files from pixel values, with node:zlib only: signature, IHDR, IDAT
// (filter byte 0 per row, deflated), IEND; each chunk with its CRC-32.
import { deflateSync } from "node:zlib";

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** An 8-bit grayscale PNG of `height` rows × `width` columns; `pixels` in [0, 1], row-major. */
export function grayscalePng(pixels: ArrayLike<number>, width: number, height: number): Buffer {
  if (pixels.length !== width * height) throw new Error(`grayscalePng: ${pixels.length} pixels for ${width}×${height}.`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // bit depth 8, color type 0 (gray), deflate, filter 0, no interlace
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const v = pixels[y * width + x];
      raw[y * (width + 1) + 1 + x] = Math.round(Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * 255);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** Tiles `count` images of `size`×`size` (values in [0, 1], image after image) into a grid PNG. */
export function imageGridPng(images: ArrayLike<number>, count: number, size: number, columns = Math.ceil(Math.sqrt(count))): Buffer {
  const rows = Math.ceil(count / columns);
  const gap = 2;
  const width = columns * (size + gap) + gap;
  const height = rows * (size + gap) + gap;
  const grid = new Float32Array(width * height).fill(1);
  for (let i = 0; i < count; i++) {
    const [gx, gy] = [(i % columns) * (size + gap) + gap, Math.floor(i / columns) * (size + gap) + gap];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) grid[(gy + y) * width + gx + x] = images[i * size * size + y * size + x];
    }
  }
  return grayscalePng(grid, width, height);
}
