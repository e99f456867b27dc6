// The shape of what a step returned — logs, States, predictions — with each tensor replaced by
// a reference, so a replay can rebuild the same structure around its own tensors. Objects the
// step passed through from its inputs (its States, the rng) are referred to by position and
// become the replay's own; plain values are kept as recorded.
import { tf } from "../tf";
import { RNG, States, StatesFields } from "../states";
import { isPlainObject, isTensor } from "../tree";
import { isRunning, markRunning } from "../logs";

export type Template =
  | { readonly kind: "input-tensor"; readonly index: number }
  | { readonly kind: "tensor"; readonly id: number }
  | { readonly kind: "input-object"; readonly index: number }
  | { readonly kind: "array"; readonly items: readonly Template[] }
  | { readonly kind: "object"; readonly keys: readonly string[]; readonly values: readonly Template[] }
  | { readonly kind: "states"; readonly keys: readonly string[]; readonly values: readonly Template[] }
  | { readonly kind: "value"; readonly value: unknown };

export interface OutputShape {
  readonly template: Template;
  /** The distinct tensors the step made and returned, in the order the template first refers to them. */
  readonly made: tf.Tensor[];
}

/** Marks a step put on the tensors it returned (a running metric value), to put on the replay's. */
export interface TensorMarks {
  readonly running: boolean;
}

export function marksOf(t: tf.Tensor): TensorMarks {
  return { running: isRunning(t) };
}

export function applyMarks(t: tf.Tensor, marks: TensorMarks): tf.Tensor {
  return marks.running ? markRunning(t) : t;
}

/**
 * Describes `result` against the step's inputs. Returns a reason instead when the result holds
 * something a replay could not rebuild (a new object of a class other than States).
 */
export function describeOutput(result: unknown, inputTensors: readonly tf.Tensor[], inputObjects: readonly object[]): OutputShape | string {
  const tensorIndex = new Map<tf.Tensor, number>();
  inputTensors.forEach((t, i) => tensorIndex.has(t) || tensorIndex.set(t, i));
  const objectIndex = new Map<object, number>();
  inputObjects.forEach((o, i) => objectIndex.has(o) || objectIndex.set(o, i));
  const made: tf.Tensor[] = [];
  const madeIndex = new Map<tf.Tensor, number>();
  let refusal: string | undefined;

  const fields = (keys: string[], source: Record<string, unknown>) => keys.map((k) => visit(source[k]));
  const visit = (node: unknown): Template => {
    if (isTensor(node)) {
      const input = tensorIndex.get(node);
      if (input !== undefined) return { kind: "input-tensor", index: input };
      // A replay makes plain tensors: a variable the step created must be created on every call.
      if (node instanceof tf.Variable) refusal ??= "it returns a tf.Variable it created";
      let id = madeIndex.get(node);
      if (id === undefined) {
        id = made.length;
        made.push(node);
        madeIndex.set(node, id);
      }
      return { kind: "tensor", id };
    }
    if (node !== null && typeof node === "object" && objectIndex.has(node)) return { kind: "input-object", index: objectIndex.get(node)! };
    if (Array.isArray(node)) return { kind: "array", items: node.map(visit) };
    if (isPlainObject(node)) {
      const keys = Object.keys(node);
      return { kind: "object", keys, values: fields(keys, node) };
    }
    if (node instanceof States) {
      const own = node.fields() as Record<string, unknown>;
      const keys = Object.keys(own);
      return { kind: "states", keys, values: fields(keys, own) };
    }
    if (node instanceof RNG) refusal ??= "it returns a new random generator";
    else if (node !== null && typeof node === "object") refusal ??= `it returns a new ${node.constructor?.name ?? "object"}`;
    return { kind: "value", value: node };
  };
  const template = visit(result);
  return refusal ?? { template, made };
}

/** Builds the structure `template` describes around a replay's inputs and made tensors. */
export function instantiate(template: Template, inputTensors: readonly tf.Tensor[], inputObjects: readonly object[], made: readonly tf.Tensor[]): unknown {
  const build = (node: Template): unknown => {
    switch (node.kind) {
      case "input-tensor": return inputTensors[node.index];
      case "tensor": return made[node.id];
      case "input-object": return inputObjects[node.index];
      case "array": return node.items.map(build);
      case "object": {
        const out: Record<string, unknown> = {};
        node.keys.forEach((k, i) => (out[k] = build(node.values[i])));
        return out;
      }
      case "states": {
        const out: StatesFields = {};
        node.keys.forEach((k, i) => (out[k] = build(node.values[i])));
        return new States(out);
      }
      case "value": return node.value;
    }
  };
  return build(template);
}

/** Whether two templates describe the same output (plain values compared with Object.is). */
export function sameTemplate(a: Template, b: Template): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "input-tensor":
    case "input-object":
      return a.index === (b as typeof a).index;
    case "tensor": return a.id === (b as typeof a).id;
    case "value": return Object.is(a.value, (b as typeof a).value);
    case "array": {
      const items = (b as typeof a).items;
      return a.items.length === items.length && a.items.every((t, i) => sameTemplate(t, items[i]));
    }
    case "object":
    case "states": {
      const other = b as typeof a;
      return (
        a.keys.length === other.keys.length &&
        a.keys.every((k, i) => k === other.keys[i]) &&
        a.values.every((t, i) => sameTemplate(t, other.values[i]))
      );
    }
  }
}
