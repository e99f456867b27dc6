// A step call's inputs, flattened: its tensors in a fixed order, the objects it passes by
// identity (States, the rng), and a key that is equal for two calls exactly when a recorded
// kernel sequence of one can serve the other: same structure, shapes, dtypes, the same plain
// values (numbers, flags) and the same tensors shared between positions.
import { tf } from "../tf";
import { RNG, States } from "../states";
import { isPlainObject, isTensor } from "../tree";
import type { StepCall } from "../model/step-context";
import { hostLabelsKey } from "../losses/label-check";

export interface FlatInputs {
  readonly key: string;
  readonly tensors: tf.Tensor[];
  /** Non-plain objects met on the way (States, RNG, anything else), by position. */
  readonly objects: object[];
}

// Objects that are neither trees nor States nor RNG enter the key by identity.
const identities = new WeakMap<object, number>();
let nextIdentity = 0;
function identityOf(value: object): number {
  let id = identities.get(value);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(value, id);
  }
  return id;
}

/** Flattens what a step sees; `extra` joins the key (what else the step's code depends on, e.g. provided injectables). */
export function flattenStepInputs(call: StepCall, extra: string): FlatInputs {
  const tensors: tf.Tensor[] = [];
  const objects: object[] = [];
  const firstByData = new Map<object, number>();
  const parts: string[] = [call.purpose, call.training ? "t" : "e", call.initializing ? "i" : "", extra];
  const visit = (node: unknown): void => {
    if (isTensor(node)) {
      const seen = firstByData.get(node.dataId);
      if (seen !== undefined) {
        // The same buffer at two positions (an autoencoder's x and y): the recording cannot tell them apart.
        parts.push(`=${seen}`);
        tensors.push(node);
        return;
      }
      firstByData.set(node.dataId, tensors.length);
      tensors.push(node);
      parts.push(`T${node.dtype}[${node.shape.join(",")}]`);
      // Labels cut from host data are checked on the host, in JavaScript.
      const labels = hostLabelsKey(node);
      if (labels !== undefined) parts.push(`H${labels}`);
    } else if (Array.isArray(node)) {
      parts.push(`[${node.length}`);
      for (const item of node) visit(item);
      parts.push("]");
    } else if (isPlainObject(node)) {
      const keys = Object.keys(node).sort();
      parts.push(`{${keys.join(",")}`);
      for (const key of keys) visit(node[key]);
      parts.push("}");
    } else if (node instanceof States) {
      objects.push(node);
      const fields = node.fields() as Record<string, unknown>;
      const keys = Object.keys(fields).sort();
      parts.push(`S{${keys.join(",")}`);
      for (const key of keys) visit(fields[key]);
      parts.push("}");
    } else if (node instanceof RNG) {
      // Its position stays out of the key: a step that draws from it is never replayed.
      objects.push(node);
      parts.push("R");
    } else if (node !== null && (typeof node === "object" || typeof node === "function")) {
      objects.push(node);
      parts.push(`O${identityOf(node)}`);
    } else {
      parts.push(typeof node === "string" ? JSON.stringify(node) : `${typeof node}:${String(node)}`);
    }
  };
  visit([call.x, call.yTrue, call.sampleWeight, call.classWeight, call.states]);
  return { key: parts.join(" "), tensors, objects };
}
