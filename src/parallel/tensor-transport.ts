// Trees of tensors through shared memory. A tree is flattened into a Layout — a skeleton
// (the structure, with plain values such as strings kept in place), a list of leaves (shape,
// dtype, byte offset) and a block of numbers — plus the leaves' data, copied into a
// SharedArrayBuffer. The layout is sent once as a message and re-sent only when its
// signature changes (a smaller last batch, a new log); the data is copied every step.
// On wasm, leaves are copied straight from the wasm heap (no intermediate array), and the
// receiver's Inbox copies from the shared buffer straight into tensors it keeps in its own heap.
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { HostArray, isHostArray } from "../loop/host-data";
import { isPlainObject, isTensor } from "../tree";

type Dtype = HostArray["dtype"];
type HostTypedArray = Float32Array | Int32Array | Uint8Array;

export interface LeafSpec {
  readonly shape: number[];
  readonly dtype: Dtype;
  /** Byte offset in the data buffer. */
  readonly offset: number;
  /** No data: the receiver makes zeros of this shape (metric states a replica starts from). */
  readonly zeros: boolean;
}

export interface Layout {
  readonly skeleton: unknown;
  readonly leaves: readonly LeafSpec[];
  readonly numbersOffset: number;
  readonly numberCount: number;
  /** Bytes of data the layout needs. */
  readonly bytes: number;
  /** Equal signatures ⇔ the same layout. */
  readonly signature: string;
}

/** A tree ready to send: its layout, and its leaves and numbers in layout order. */
export interface Flat {
  readonly layout: Layout;
  readonly leaves: ReadonlyArray<tf.Tensor | HostArray>;
  readonly numbers: readonly number[];
}

const LEAF = "__leaf";
const ZEROS = "__zeros";
const NUMBER = "__number";
const BYTES: Record<Dtype, number> = { float32: 4, int32: 4, bool: 1 };
const ARRAY: Record<Dtype, new (buffer: ArrayBufferLike, offset: number, length: number) => HostTypedArray> = {
  float32: Float32Array,
  int32: Int32Array,
  bool: Uint8Array,
};

const align8 = (n: number) => (n + 7) & ~7;

/**
 * Flattens named parts (each a tree of Tensors, host arrays, numbers and plain values).
 * Parts named in `zeroParts` travel as shapes only. `what` names the parts in errors.
 */
export function flatten(parts: Record<string, unknown>, zeroParts: ReadonlySet<string> = new Set(), what: (part: string, path: string) => string = (p, path) => `${p}${path}`): Flat {
  const leaves: Array<tf.Tensor | HostArray> = [];
  const specs: LeafSpec[] = [];
  const numbers: number[] = [];
  let offset = 0;
  const visit = (node: unknown, part: string, path: string, zeros: boolean): unknown => {
    if (isTensor(node) || isHostArray(node)) {
      const dtype = node.dtype;
      if (dtype !== "float32" && dtype !== "int32" && dtype !== "bool") {
        throw new ElegyInputError(`${what(part, path)} is a ${dtype} tensor; replicas can only pass float32, int32 and bool tensors between threads.`);
      }
      const shape = [...node.shape];
      const size = shape.reduce((a, b) => a * b, 1);
      specs.push({ shape, dtype, offset, zeros });
      if (!zeros) offset = align8(offset + size * BYTES[dtype]);
      leaves.push(node);
      return { [zeros ? ZEROS : LEAF]: specs.length - 1 };
    }
    if (typeof node === "number") {
      numbers.push(node);
      return { [NUMBER]: numbers.length - 1 };
    }
    if (node === undefined || node === null || typeof node === "string" || typeof node === "boolean") return node;
    if (Array.isArray(node)) return node.map((child, i) => visit(child, part, `${path}[${i}]`, zeros));
    if (isPlainObject(node)) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(node)) out[key] = visit(node[key], part, `${path}.${key}`, zeros);
      return out;
    }
    const kind = typeof node === "object" ? `a ${(node as object).constructor?.name ?? "object"}` : `a ${typeof node}`;
    throw new ElegyInputError(
      `${what(part, path)} is ${kind}, which replicas cannot copy to their worker threads: only tensors and plain data ` +
        "(numbers, strings, booleans, arrays and plain objects of them) can travel.",
    );
  };
  const skeleton: Record<string, unknown> = {};
  for (const [name, tree] of Object.entries(parts)) skeleton[name] = visit(tree, name, "", zeroParts.has(name));
  const numbersOffset = offset;
  const bytes = numbersOffset + numbers.length * 8;
  const signature = JSON.stringify(skeleton) + "|" + specs.map((s) => `${s.dtype}[${s.shape.join(",")}]`).join(";");
  return { layout: { skeleton, leaves: specs, numbersOffset, numberCount: numbers.length, bytes, signature }, leaves, numbers };
}

interface WasmLike {
  typedArrayFromHeap(info: { shape: number[]; dtype: tf.DataType; dataId: object }): HostTypedArray;
}

/** Whether the backend copies the values it is given when a tensor is made (wasm does; cpu keeps the array). */
function backendCopiesOnWrite(): boolean {
  return typeof (tf.backend() as unknown as Partial<WasmLike>).typedArrayFromHeap === "function";
}

/** A tensor's values without an extra copy where the backend allows it (a view of the wasm heap). Use at once. */
export function valuesOf(leaf: tf.Tensor | HostArray): HostTypedArray {
  if (isHostArray(leaf)) return leaf.data;
  const backend = tf.backend() as unknown as Partial<WasmLike>;
  if (typeof backend.typedArrayFromHeap === "function") return backend.typedArrayFromHeap(leaf as unknown as { shape: number[]; dtype: tf.DataType; dataId: object });
  return leaf.dataSync() as HostTypedArray;
}

/** Copies the leaves' data and the numbers into `buffer` (at least `flat.layout.bytes` long). */
export function writeFlat(flat: Flat, buffer: SharedArrayBuffer): void {
  const { leaves: specs, numbersOffset, numberCount } = flat.layout;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    if (spec.zeros) continue;
    const values = valuesOf(flat.leaves[i]);
    new ARRAY[spec.dtype](buffer, spec.offset, values.length).set(values);
  }
  if (numberCount > 0) new Float64Array(buffer, numbersOffset, numberCount).set(flat.numbers);
}

/** The data of each leaf, as views of the shared buffer (empty for zero leaves). */
export function leafViews(layout: Layout, buffer: SharedArrayBuffer): HostTypedArray[] {
  return layout.leaves.map((spec) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    return new ARRAY[spec.dtype](buffer, spec.offset, spec.zeros ? 0 : size);
  });
}

/**
 * The tensors a thread receives from another, kept from one command to the next. Where the
 * backend allows (wasm), each command's data is copied from the shared buffer straight into
 * the bytes of the tensors already in the heap: no tensor is made, registered or freed per
 * step. Elsewhere (cpu, which keeps the array it is given) they are made anew each time, from
 * private copies. The inbox owns its tensors: callers never dispose them, and `release` hands
 * over those a caller keeps (a step's result that holds one of them as it is), which the next
 * fill then makes anew.
 */
export class Inbox {
  private layout: Layout | undefined;
  private tensors: Array<tf.Tensor | undefined> = [];
  private readonly owned = new Set<tf.Tensor>();

  /** The named parts of `layout` from `buffer`, as this inbox's tensors (valid until the next fill). */
  fill(layout: Layout, buffer: SharedArrayBuffer): Record<string, unknown> {
    const inPlace = backendCopiesOnWrite();
    if (!inPlace || layout !== this.layout && layout.signature !== this.layout?.signature) {
      this.dispose();
      this.tensors = new Array(layout.leaves.length);
    }
    this.layout = layout;
    const views = leafViews(layout, buffer);
    layout.leaves.forEach((spec, i) => {
      const held = this.tensors[i];
      if (held === undefined) {
        const made = spec.zeros ? tf.zeros(spec.shape, spec.dtype) : tf.tensor(inPlace ? views[i] : views[i].slice(), spec.shape, spec.dtype);
        // Kept: the step scope this fill runs in must not free what the next fill reuses.
        tf.keep(made);
        this.owned.add(made);
        this.tensors[i] = made;
      } else if (!spec.zeros) {
        // A view taken right before the copy (a growing heap detaches earlier ones). Zeros stay zeros: kernels never write their inputs.
        valuesOf(held).set(views[i]);
      }
    });
    const numbers = new Float64Array(buffer, layout.numbersOffset, layout.numberCount);
    return rebuild(layout.skeleton, this.tensors, numbers) as Record<string, unknown>;
  }

  /** Whether `t` is one of the inbox's tensors. */
  owns(t: tf.Tensor): boolean {
    return this.owned.has(t);
  }

  /** Gives up the inbox's tensors among `kept` (now the caller's); the next fill makes new ones in their place. */
  release(kept: ReadonlySet<tf.Tensor>): void {
    this.tensors.forEach((t, i) => {
      if (t === undefined || !kept.has(t)) return;
      this.owned.delete(t);
      this.tensors[i] = undefined;
    });
  }

  dispose(): void {
    for (const t of this.owned) if (!t.isDisposed) t.dispose();
    this.owned.clear();
    this.tensors = [];
    this.layout = undefined;
  }
}

/** The skeleton with its slots filled. */
export function rebuild(skeleton: unknown, leaves: readonly unknown[], numbers: ArrayLike<number>): unknown {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (isPlainObject(node)) {
      if (LEAF in node) return leaves[node[LEAF] as number];
      if (ZEROS in node) return leaves[node[ZEROS] as number];
      if (NUMBER in node) return numbers[node[NUMBER] as number];
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(node)) out[key] = visit(node[key]);
      return out;
    }
    return node;
  };
  return visit(skeleton);
}

/** A shared buffer of at least `bytes`, reusing `current` when it is large enough (grows by half again). */
export function bufferFor(current: SharedArrayBuffer | undefined, bytes: number): SharedArrayBuffer {
  if (current !== undefined && current.byteLength >= bytes) return current;
  return new SharedArrayBuffer(Math.max(8, align8(Math.ceil(bytes * 1.5))));
}
