// A recorded step turned into a program: the kernel launches it made, each input resolved to a
// slot (a step input, a constant it made from host values, or an earlier launch's output), launches whose outputs nobody uses dropped, and every buffer
// released after its last use. Running it calls the same kernel functions with the same
// attributes on the new inputs' buffers — the results are bit for bit the eager step's — but
// without tfjs's engine: no gradient tape, no tensor objects, no scopes, no per-op checks.
import { tf } from "../tf";
import { DataId, KernelCall, Recording, TensorRef, WritableBackend, copyValues } from "./kernel-recorder";
import { OutputShape, Template, TensorMarks, applyMarks, instantiate, marksOf, sameTemplate } from "./output-template";

interface Launch {
  readonly kernelName: string;
  readonly kernelFunc: tf.KernelFunc;
  readonly attrs: tf.NamedAttrMap | undefined;
  readonly inputNames: readonly string[];
  /** Slot of each input, -1 for an input the op passed as null. */
  readonly inputSlots: readonly number[];
  readonly inputsAsArray: boolean;
  readonly outputSlots: readonly number[];
  readonly outputShapes: readonly (readonly number[])[];
  readonly outputDtypes: readonly tf.DataType[];
  /** Slots whose buffers this launch was the last to read (or made for nobody): released after it. */
  readonly releaseAfter: readonly number[];
}

interface Constant {
  readonly values: tf.BackendValues | null;
  readonly shape: readonly number[];
  readonly dtype: tf.DataType;
}

interface MadeTensor {
  readonly slot: number;
  readonly shape: readonly number[];
  readonly dtype: tf.DataType;
  /** The slot's own reference goes to this tensor; otherwise the tensor takes a new one. */
  readonly takesRef: boolean;
  readonly marks: TensorMarks;
}

// Read once: each `tf.x` goes through module getters, and `run` launches dozens of kernels a step.
const { getKernel, getBackend, engine: tfEngine } = tf;

/** Thrown by `run` when the kernels made outputs other than the recorded ones (data-dependent shapes). */
export class ReplayMismatch extends Error {}

export class StepProgram {
  private constantIds: DataId[] | undefined;

  private constructor(
    private readonly backend: WritableBackend,
    private readonly inputCount: number,
    private readonly constants: readonly Constant[],
    private readonly launches: readonly Launch[],
    private readonly slotCount: number,
    private readonly template: Template,
    private readonly made: readonly MadeTensor[],
  ) {}

  /** Kernel launches one run makes. */
  get size(): number {
    return this.launches.length;
  }

  /**
   * Builds the program of one recording. `inputs` are the step's input tensors, in the order
   * the replay will pass them; `output` what it returned. Returns why not instead when the step
   * read a tensor from outside its inputs: a replay would keep reading the recorded one after
   * the step's code had moved on to another.
   */
  static compile(recording: Recording, inputs: readonly tf.Tensor[], output: OutputShape): StepProgram | string {
    // A buffer can be seen under several shapes (Reshape shares it): a reference is its buffer and its view.
    const views = new Map<DataId, Array<{ view: string; slot: number }>>();
    const viewOf = (ref: TensorRef) => `${ref.dtype}[${ref.shape.join(",")}]`;
    const source = {
      get(ref: TensorRef): number | undefined {
        const list = views.get(ref.dataId);
        if (list === undefined) return undefined;
        const view = viewOf(ref);
        for (let i = list.length - 1; i >= 0; i--) if (list[i].view === view) return list[i].slot;
        return undefined;
      },
      set(ref: TensorRef, slot: number, first = false): void {
        const list = views.get(ref.dataId) ?? [];
        if (first && source.get(ref) !== undefined) return;
        list.push({ view: viewOf(ref), slot });
        views.set(ref.dataId, list);
      },
    };
    inputs.forEach((t, i) => source.set(t, i, true));
    const constants: Constant[] = recording.writes.map((w) => ({ values: w.values, shape: w.shape, dtype: w.dtype }));
    const constantBase = inputs.length;
    // Slots: inputs, constants, then launch outputs in order of appearance.
    let slotCount = constantBase + constants.length;
    let outsider = false;
    const resolve = (ref: TensorRef): number => {
      const known = source.get(ref);
      if (known !== undefined) return known;
      outsider = true;
      return -1;
    };

    let writeIndex = 0;
    const takeWritesBefore = (call: number) => {
      while (writeIndex < recording.writes.length && recording.writes[writeIndex].beforeCall <= call) {
        source.set(recording.writes[writeIndex], constantBase + writeIndex);
        writeIndex++;
      }
    };
    const raw = recording.calls.map((call: KernelCall, index) => {
      takeWritesBefore(index);
      const inputSlots = call.inputs.map((ref) => (ref === null ? -1 : resolve(ref)));
      const outputSlots = call.outputs.map((ref) => {
        const slot = slotCount++;
        source.set(ref, slot);
        return slot;
      });
      return { call, inputSlots, outputSlots };
    });
    takeWritesBefore(Infinity);

    // The returned tensors: each made one resolves to the slot holding its buffer.
    const madeSlots = output.made.map((t) => resolve({ dataId: t.dataId, shape: t.shape, dtype: t.dtype }));
    if (outsider) return "it reads tensors that are not among its inputs (a class field, a closure, another model's States)";

    // Live launches: those whose outputs are returned or read by a live launch (walked backwards).
    const live = new Uint8Array(slotCount);
    for (const slot of madeSlots) live[slot] = 1;
    const keep = raw.map(() => false);
    for (let i = raw.length - 1; i >= 0; i--) {
      if (!raw[i].outputSlots.some((s) => live[s])) continue;
      keep[i] = true;
      for (const s of raw[i].inputSlots) if (s >= 0) live[s] = 1;
    }
    const kept = raw.filter((_, i) => keep[i]);

    // Release: a launch output nobody returns is released after its last reader (or at once).
    const outputOf = new Map<number, number>();
    kept.forEach((l, i) => l.outputSlots.forEach((s) => outputOf.set(s, i)));
    const lastReader = new Map<number, number>();
    kept.forEach((l, i) => l.inputSlots.forEach((s) => outputOf.has(s) && lastReader.set(s, i)));
    const returned = new Set(madeSlots);
    const releaseAfter: number[][] = kept.map(() => []);
    for (const [slot, producer] of outputOf) {
      if (returned.has(slot)) continue;
      releaseAfter[lastReader.get(slot) ?? producer].push(slot);
    }

    const launches: Launch[] = kept.map((l, i) => ({
      kernelName: l.call.kernelName,
      kernelFunc: l.call.kernelFunc,
      attrs: l.call.attrs,
      inputNames: l.call.inputNames,
      inputSlots: l.inputSlots,
      inputsAsArray: l.call.inputsAsArray,
      outputSlots: l.outputSlots,
      outputShapes: l.call.outputs.map((o) => o.shape),
      outputDtypes: l.call.outputs.map((o) => o.dtype),
      releaseAfter: releaseAfter[i],
    }));
    const taken = new Set<number>();
    const made: MadeTensor[] = output.made.map((t, i) => {
      const slot = madeSlots[i];
      const takesRef = outputOf.has(slot) && !taken.has(slot);
      if (takesRef) taken.add(slot);
      return { slot, shape: [...t.shape], dtype: t.dtype, takesRef, marks: marksOf(t) };
    });
    return new StepProgram(tf.backend() as WritableBackend, inputs.length, constants, launches, slotCount, output.template, made);
  }

  /** Why this program and `other` (recorded from another call with the same key) differ, or undefined. */
  differsFrom(other: StepProgram): string | undefined {
    if (this.backend !== other.backend) return "the backend changed";
    if (this.launches.length !== other.launches.length) return `it launched ${this.launches.length} kernels on one call and ${other.launches.length} on another`;
    for (let i = 0; i < this.launches.length; i++) {
      const a = this.launches[i];
      const b = other.launches[i];
      if (a.kernelFunc !== b.kernelFunc || a.kernelName !== b.kernelName) return `kernel ${i} was ${a.kernelName} on one call and ${b.kernelName} on another`;
      if (!sameNumbers(a.inputSlots, b.inputSlots) || !sameNumbers(a.outputSlots, b.outputSlots)) return `kernel ${i} (${a.kernelName}) read other inputs`;
      if (a.outputShapes.some((shape, j) => !sameNumbers(shape, b.outputShapes[j]))) return `kernel ${i} (${a.kernelName}) made outputs whose shapes depend on the data`;
      if (!sameValue(a.attrs, b.attrs)) return `kernel ${i} (${a.kernelName}) had other attributes`;
    }
    if (this.constants.length !== other.constants.length) return "it made a different number of tensors from host values";
    for (let i = 0; i < this.constants.length; i++) {
      const a = this.constants[i];
      const b = other.constants[i];
      if (a.dtype !== b.dtype || !sameNumbers(a.shape, b.shape) || !sameValue(a.values, b.values)) {
        return "it made a tensor from values computed in JavaScript that changed between calls";
      }
    }
    if (!sameTemplate(this.template, other.template) || this.made.length !== other.made.length) return "it returned a different structure";
    if (this.made.some((m, i) => m.marks.running !== other.made[i].marks.running)) return "it marked other logs as running values";
    return undefined;
  }

  /**
   * Runs the program on `inputs` (tensors in the recorded order) and rebuilds the returned
   * structure around `objects`. Returns undefined, having run nothing, when the active backend
   * is no longer the recorded one. Throws ReplayMismatch, having freed what it made, when a
   * kernel's outputs differ from the recorded ones.
   */
  run(inputs: readonly tf.Tensor[], objects: readonly object[]): unknown {
    const backend = this.backend;
    if (tf.backend() !== backend) return undefined;
    const backendName = getBackend();
    const slots: TensorRef[] = new Array(this.slotCount);
    for (let i = 0; i < this.inputCount; i++) slots[i] = inputs[i];
    const constantIds = this.constantIds ?? this.writeConstants();
    for (let i = 0; i < constantIds.length; i++) {
      const c = this.constants[i];
      slots[this.inputCount + i] = { dataId: constantIds[i], shape: c.shape, dtype: c.dtype };
    }

    const owned: number[] = [];
    try {
      for (const launch of this.launches) {
        const args = launch.inputsAsArray ? ([] as unknown as Record<string, TensorRef>) : ({} as Record<string, TensorRef>);
        for (let i = 0; i < launch.inputNames.length; i++) {
          const slot = launch.inputSlots[i];
          args[launch.inputNames[i]] = slot < 0 ? (null as unknown as TensorRef) : slots[slot];
        }
        // The kernel as registered now (a profiler's or a test's wrapper around it sees the replay too).
        const kernelFunc = getKernel(launch.kernelName, backendName)?.kernelFunc ?? launch.kernelFunc;
        const out = kernelFunc({ inputs: args as unknown as tf.NamedTensorInfoMap, attrs: launch.attrs as tf.NamedAttrMap, backend });
        const outs = Array.isArray(out) ? out : [out];
        for (let j = 0; j < outs.length; j++) {
          if (j < launch.outputSlots.length) {
            slots[launch.outputSlots[j]] = outs[j];
            owned.push(launch.outputSlots[j]);
          } else backend.disposeData(outs[j].dataId);
        }
        if (outs.length !== launch.outputSlots.length || !outs.every((o, j) => o.dtype === launch.outputDtypes[j] && sameNumbers(o.shape, launch.outputShapes[j]))) {
          throw new ReplayMismatch(`${launch.kernelName} returned outputs of other shapes than when it was recorded`);
        }
        for (const slot of launch.releaseAfter) {
          backend.disposeData(slots[slot].dataId);
          slots[slot] = undefined as unknown as TensorRef;
        }
      }
    } catch (error) {
      for (const slot of owned) if (slots[slot] !== undefined) backend.disposeData(slots[slot].dataId);
      throw error;
    }

    const engine = tfEngine();
    const made = this.made.map((m) => {
      const info = slots[m.slot];
      if (!m.takesRef) backend.incRef(info.dataId);
      return applyMarks(engine.makeTensorFromTensorInfo({ dataId: info.dataId, shape: m.shape as number[], dtype: m.dtype }, backend), m.marks);
    });
    return instantiate(this.template, inputs, objects, made);
  }

  /** Frees the constants this program holds. */
  dispose(): void {
    if (this.constantIds === undefined) return;
    for (const id of this.constantIds) if (this.backend.refCount(id) > 0) this.backend.disposeData(id);
    this.constantIds = undefined;
  }

  private writeConstants(): DataId[] {
    this.constantIds = this.constants.map((c) => this.backend.write(copyValues(c.values), [...c.shape], c.dtype));
    return this.constantIds;
  }
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Structural equality of attributes and host values (NaN equals NaN). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<number>;
    const y = b as unknown as ArrayLike<number>;
    if (a.constructor !== b.constructor || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
