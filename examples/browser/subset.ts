// The MNIST subset the browser example serves as one static file (written by build.ts in Node,
// read by the page): "MNSB", then uint32 (little-endian) train count, test count, rows, cols,
// then train images (one byte a pixel), train labels (one byte each), test images, test labels.
export interface SubsetSplit {
  /** Raw pixels 0–255, [count, rows, cols]. */
  x: Float32Array;
  y: Int32Array;
  count: number;
}

export interface Subset {
  train: SubsetSplit;
  test: SubsetSplit;
  rows: number;
  cols: number;
}

const MAGIC = [0x4d, 0x4e, 0x53, 0x42]; // "MNSB"
const HEADER = 20;

export function encodeSubset(subset: Subset): Uint8Array {
  const pixels = subset.rows * subset.cols;
  const size = (s: SubsetSplit) => s.count * (pixels + 1);
  const out = new Uint8Array(HEADER + size(subset.train) + size(subset.test));
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  [subset.train.count, subset.test.count, subset.rows, subset.cols].forEach((v, i) => view.setUint32(4 + 4 * i, v, true));
  let at = HEADER;
  for (const split of [subset.train, subset.test]) {
    out.set(Uint8Array.from(split.x.subarray(0, split.count * pixels)), at);
    at += split.count * pixels;
    out.set(Uint8Array.from(split.y.subarray(0, split.count)), at);
    at += split.count;
  }
  return out;
}

export function decodeSubset(bytes: Uint8Array): Subset {
  if (bytes.length < HEADER || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error("not an MNIST subset file (no MNSB header): rebuild the page (npm run demo:browser)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [trainCount, testCount, rows, cols] = [0, 1, 2, 3].map((i) => view.getUint32(4 + 4 * i, true));
  const pixels = rows * cols;
  if (bytes.length !== HEADER + (trainCount + testCount) * (pixels + 1)) throw new Error(`MNIST subset file has ${bytes.length} bytes; its header promises another size: rebuild the page`);
  let at = HEADER;
  const split = (count: number): SubsetSplit => {
    const x = Float32Array.from(bytes.subarray(at, at + count * pixels));
    at += count * pixels;
    const y = Int32Array.from(bytes.subarray(at, at + count));
    at += count;
    return { x, y, count };
  };
  const train = split(trainCount);
  const test = split(testCount);
  return { train, test, rows, cols };
}
