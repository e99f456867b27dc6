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

/**
 * Flattens what a step sees; `extra` joins the key (what else the step's code depends on, e.g.
 * provided injectables). Object keys are visited sorted, so States built by a replay and by
 * eager code (in another key order) share a key.
 */
export function flattenStepInputs(call: StepCall, extra: string): FlatInputs {
  const tensors: tf.Tensor[] = [];
  const objects: object[] = [];
  const firstByData = new Map<object, number>();
  let key = `${call.purpose} ${call.training ? "t" : "e"}${call.initializing ? "i" : ""} ${extra}`;
  const visit = (node: unknown): void => {
    if (isTensor(node)) {
      const seen = firstByData.get(node.dataId);
      tensors.push(node);
      if (seen !== undefined) {
        // The same buffer at two positions (an autoencoder's x and y): the recording cannot tell them apart.
        key += `=${seen}`;
        return;
      }
      firstByData.set(node.dataId, tensors.length - 1);
      key += ` ${node.dtype}[`;
      const shape = node.shape;
      for (let i = 0; i < shape.length; i++) key += i === 0 ? shape[i] : `,${shape[i]}`;
      key += "]";
      // Labels cut from host data are checked on the host, in JavaScript.
      const labels = hostLabelsKey(node);
      if (labels !== undefined) key += `H${labels}`;
    } else if (Array.isArray(node)) {
      key += "[";
      for (let i = 0; i < node.length; i++) visit(node[i]);
      key += "]";
    } else if (isPlainObject(node)) {
      key += "{";
      for (const k of Object.keys(node).sort()) {
        key += `${k}:`;
        visit(node[k]);
      }
      key += "}";
    } else if (node instanceof States) {
      objects.push(node);
      key += "S{";
      for (const k of Object.keys(node).sort()) {
        key += `${k}:`;
        visit((node as Record<string, unknown>)[k]);
      }
      key += "}";
    } else if (node instanceof RNG) {
      // Its position stays out of the key: a step that draws from it is never replayed.
      objects.push(node);
      key += "R";
    } else if (node !== null && (typeof node === "object" || typeof node === "function")) {
      objects.push(node);
      key += `O${identityOf(node)}`;
    } else {
      key += typeof node === "string" ? JSON.stringify(node) : ` ${typeof node}:${String(node)}`;
    }
  };
  visit(call.x);
  key += "|";
  visit(call.yTrue);
  key += "|";
  visit(call.sampleWeight);
  key += "|";
  visit(call.classWeight);
  key += "|";
  visit(call.states);
  return { key, tensors, objects };
}
