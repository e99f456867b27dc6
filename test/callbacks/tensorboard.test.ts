// Reads the event files back with an independent decoder: TFRecord framing with masked
// CRC-32C checks, then the Event/Summary protobuf fields TensorBoard reads.
import test from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { callbacks, optimizers, tf } from "elegy-ts";
import { LinearRegression, regressionData, tmpDir } from "../support/models";

// Bitwise CRC-32C (no table) so the check does not share code with the writer.
function crc32c(bytes: Uint8Array): number {
  let crc = ~0 >>> 0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return ~crc >>> 0;
}
const mask = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;

function readRecords(file: string): Buffer[] {
  const data = fs.readFileSync(file);
  const records: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const length = Number(data.readBigUInt64LE(at));
    assert.equal(data.readUInt32LE(at + 8), mask(crc32c(data.subarray(at, at + 8))), "length crc");
    const payload = data.subarray(at + 12, at + 12 + length);
    assert.equal(data.readUInt32LE(at + 12 + length), mask(crc32c(payload)), "payload crc");
    records.push(payload);
    at += 16 + length;
  }
  return records;
}

function fields(buf: Buffer): Array<[number, number, Buffer | number | bigint]> {
  const out: Array<[number, number, Buffer | number | bigint]> = [];
  let at = 0;
  const varint = () => {
    let result = 0n, shift = 0n, byte: number;
    do { byte = buf[at++]; result |= BigInt(byte & 0x7f) << shift; shift += 7n; } while (byte & 0x80);
    return result;
  };
  while (at < buf.length) {
    const key = Number(varint());
    const [field, wire] = [key >> 3, key & 7];
    if (wire === 0) out.push([field, wire, varint()]);
    else if (wire === 1) { out.push([field, wire, buf.readDoubleLE(at)]); at += 8; }
    else if (wire === 5) { out.push([field, wire, buf.readFloatLE(at)]); at += 4; }
    else if (wire === 2) { const n = Number(varint()); out.push([field, wire, buf.subarray(at, at + n)]); at += n; }
    else throw new Error(`wire type ${wire}`);
  }
  return out;
}

function scalars(file: string): Array<{ step: number; values: Record<string, number> }> {
  const [header, ...events] = readRecords(file);
  assert.equal((fields(header).find(([f]) => f === 3)![2] as Buffer).toString(), "brain.Event:2");
  return events.map((event) => {
    const f = fields(event);
    const step = Number(f.find(([n]) => n === 2)?.[2] ?? 0n);
    const summary = f.find(([n]) => n === 5)![2] as Buffer;
    const values: Record<string, number> = {};
    for (const [, , value] of fields(summary)) {
      const vf = fields(value as Buffer);
      values[(vf.find(([n]) => n === 1)![2] as Buffer).toString()] = vf.find(([n]) => n === 2)![2] as number;
    }
    return { step, values };
  });
}

test("TensorBoard: train and validation runs with epoch_<name> scalars in valid event files", async () => {
  const { x, y } = regressionData(32);
  const logDir = tmpDir("tb");
  const model = new LinearRegression({ optimizer: optimizers.adam(0.1), backend: "cpu" });
  const history = await model.fit(x, y, { verbose: 0, epochs: 3, batchSize: 8, validationSplit: 0.25, callbacks: [callbacks.tensorBoard({ logDir })] });
  const [trainFile] = fs.readdirSync(path.join(logDir, "train"));
  const [validationFile] = fs.readdirSync(path.join(logDir, "validation"));
  assert.match(trainFile, /^events\.out\.tfevents\.\d+\./);
  const train = scalars(path.join(logDir, "train", trainFile));
  const validation = scalars(path.join(logDir, "validation", validationFile));
  assert.deepEqual(train.map((e) => e.step), [0, 1, 2]);
  train.forEach((e, i) => assert.ok(Math.abs(e.values.epoch_loss - history.history.loss[i]) < 1e-5 * Math.max(1, history.history.loss[i])));
  validation.forEach((e, i) => assert.ok(Math.abs(e.values.epoch_loss - history.history.val_loss[i]) < 1e-5 * Math.max(1, history.history.val_loss[i])));
  tf.dispose([x, y]);
});
