// On a page's GPU backends (webgl, webgpu), the tensors given to fit/evaluate/predict are read
// asynchronously before they are turned into host arrays (host-data.ts, which reads
// synchronously): tfjs keeps what it read on the host, so that synchronous read finds the values
// there. webgpu's synchronous read goes through a canvas, which stalls the page and, in headless
// Chromium's SwiftShader, returns zeros and loses the device; webgl's stalls the GPU.
import { tf } from "../tf";
import { isPlainObject, isTensor } from "../tree";

const GPU_BACKENDS = new Set(["webgl", "webgpu"]);

function tensorsOf(value: unknown, into: tf.Tensor[]): tf.Tensor[] {
  if (isTensor(value)) into.push(value);
  else if (Array.isArray(value)) for (const child of value) tensorsOf(child, into);
  else if (isPlainObject(value)) for (const child of Object.values(value)) tensorsOf(child, into);
  return into;
}

/** Reads every tensor among `inputs` (trees of tensors; anything else is skipped) when the backend is a GPU one. */
export async function readGpuTensors(...inputs: unknown[]): Promise<void> {
  if (!GPU_BACKENDS.has(tf.getBackend())) return;
  await Promise.all(tensorsOf(inputs, []).map((t) => t.data()));
}
