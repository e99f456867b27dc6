// Step calls served by replaying recorded kernels — what jax.jit gives Elegy, done at the
// level tfjs allows. Per input key (structure, shapes, dtypes, plain values: see step-inputs.ts)
// a step runs eagerly while its kernels are recorded; a second call with the same key is
// recorded again and compared with the first; when the two agree, later calls with that key
// replay the program, until the next boundary (an epoch, an evaluate, a predict) or a changed field
// of the model asks for one more agreeing recording. A step keeps running eagerly when it reads values back, draws from
// states.rng, changes a field of its model, reads tensors from outside its inputs, or records
// differently from call to call; so does a purpose whose keys never repeat (a counter in the
// States). Other JavaScript side effects run only on the recorded calls, as under jax.jit:
// Model replays only its built-in chain unless `runEagerly: false`, and nothing with `true`.
import { tf } from "../tf";
import { collectChecks, deferCheck, DeviceCheck } from "../device-checks";
import type { StepCall } from "../model/step-context";
import { recordKernels } from "./kernel-recorder";
import { describeOutput } from "./output-template";
import { flattenStepInputs } from "./step-inputs";
import { ReplayMismatch, StepProgram } from "./step-program";
import { StateTree, isPlainObject, leaves } from "../tree";

type Entry =
  | { readonly state: "recorded"; readonly program: StepProgram; readonly messages: DeviceCheck["message"][] }
  /**
   * `verified`: the boundary (see `revalidate`) after which a recording last agreed with the program;
   * `fields`: the model's own fields then; `inert`: fields whose change since left the program as it was.
   */
  | {
      readonly state: "replay"; readonly program: StepProgram; readonly messages: DeviceCheck["message"][]; readonly verified: number;
      readonly fields: OwnFields; readonly inert: ReadonlySet<string>;
    }
  | { readonly state: "eager"; readonly reason: string };

/** Backends whose kernels run synchronously on host-visible buffers, where a replay is tested. */
const REPLAY_BACKENDS = new Set(["wasm", "cpu"]);
/** Keys kept per model; the oldest program is dropped beyond this. */
const MAX_ENTRIES = 32;
/** Recordings in a row that led to no replay before a purpose stops recording. */
const MAX_FRUITLESS = 8;

/**
 * Which step calls a message is about: their public call, the batches they run on (the first
 * input's shape, e.g. "[64,28,28]"), and the part of a replicated step they are, if one.
 */
export interface StepName {
  readonly purpose: string;
  readonly batch: string;
  readonly part: string;
}

/** What ELEGY_TRACE=1 reports. */
export interface TraceEvents {
  /** A key that will not be replayed, and why. */
  eager?(name: StepName, reason: string): void;
  /** A key whose steps will be replayed, with the number of kernels a replay launches. */
  replaying?(name: StepName, kernels: number): void;
  /** A purpose (or part) whose keys never repeated: no more recordings for it. */
  gaveUp?(name: Omit<StepName, "batch">): void;
  /** No step of this model is replayed (said once, at its first step). */
  off?(): void;
}

export class TracedSteps {
  private readonly entries = new Map<string, Entry>();
  private readonly fruitless = new Map<string, number>();
  private saidOff = false;
  /** How many steps were replayed (for tests and the bench). */
  replayed = 0;
  /** Counts boundaries: a program is replayed only after a recording agreed with it since the last one. */
  private boundary = 0;

  constructor(
    /** The model whose steps these are: a step that changes one of its fields has a side effect a replay would skip. */
    private readonly owner: object,
    /** Whether steps are replayed at all (Model's runEagerly, and whether its steps are the user's). */
    private readonly enabled: () => boolean,
    private readonly extraKey: () => string,
    private readonly events: TraceEvents = {},
  ) {}

  /**
   * Runs one step call: by replay when a program for its key exists, else `eager` (recording
   * it when worthwhile). Device checks the step makes reach the enclosing collector either way.
   * `part` names what `eager` runs when the call alone does not say it (a replica's shard), and
   * `shown` is the call whose batch messages name (the whole batch's, for a part of its step).
   */
  run<R>(call: StepCall, eager: () => R, part = "", shown: StepCall = call): R {
    const backendName = tf.getBackend();
    if (!this.worthTracing(call, part, backendName)) return eager();
    const inputs = flattenStepInputs(call, `${part} ${backendName} ${this.extraKey()}`);
    const entry = this.entries.get(inputs.key);
    if (entry?.state === "eager") return eager();
    // A field of the model set since the program was verified (a callback's `this.scale = 0` between
    // batches) may change what the step computes: the call is recorded again and compared, as at a boundary.
    const changedFields = entry?.state === "replay" ? changedOwnFields(this.owner, entry.fields, entry.inert) : [];
    if (entry?.state === "replay" && entry.verified === this.boundary && changedFields.length === 0) {
      const replayed = this.replay(entry, inputs.tensors, inputs.objects);
      if (replayed !== undefined) return replayed as R;
      this.forget(inputs.key);
    }
    return this.record(call, inputs.key, inputs.tensors, inputs.objects, eager, () => ({ purpose: call.purpose, batch: batchOf(shown), part }), changedFields);
  }

  /**
   * Marks a boundary — a new epoch, a new fit, evaluate or predict — where JavaScript values a
   * step reads may have changed (a field a callback set, a module-level number): the first call
   * of each key after it is recorded again and compared with its program, and a program that no
   * longer agrees is replaced once two new recordings agree.
   */
  revalidate(): void {
    this.boundary++;
  }

  /** Frees every program's constants. */
  dispose(): void {
    for (const key of [...this.entries.keys()]) this.forget(key);
  }

  private worthTracing(call: StepCall, part: string, backendName: string): boolean {
    if (!this.enabled()) {
      if (!this.saidOff) this.events.off?.();
      this.saidOff = true;
      return false;
    }
    if (call.initializing || call.replication !== undefined) return false;
    if ((this.fruitless.get(fruitlessKey(call.purpose, part)) ?? 0) >= MAX_FRUITLESS) return false;
    // Inside another gradient tape (a step called from a user's tf.grad) the engine must see every op.
    if ((tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn()) return false;
    return REPLAY_BACKENDS.has(backendName);
  }

  private replay(entry: Entry & { state: "replay" }, tensors: tf.Tensor[], objects: object[]): unknown {
    let out: unknown;
    try {
      out = entry.program.run(tensors, objects);
    } catch (error) {
      if (error instanceof ReplayMismatch) return undefined;
      throw error;
    }
    if (out === undefined) return undefined;
    const [result, records] = out as [unknown, tf.Tensor1D[]];
    records.forEach((record, i) => deferCheck(record, entry.messages[i]));
    this.replayed++;
    return result;
  }

  /** `changedFields`: the model's fields that changed since a replayed program was verified, which made this call record. */
  private record<R>(call: StepCall, key: string, tensors: tf.Tensor[], objects: object[], eager: () => R, name: () => StepName, changedFields: string[]): R {
    const rngBefore = call.states.rng?.state;
    const fieldsBefore = fieldsOf(this.owner);
    // The same walk gives the fields a replayed program is later checked against.
    const ownFields: OwnFields = new Map(fieldsBefore.map(([key, value]) => [key, value]));
    const buffersBefore = tensors.map((t) => t.dataId);
    const { result: { result, checks }, recording } = recordKernels(() => collectChecks(eager));
    // The checks go where they would have gone without recording.
    for (const check of checks) deferCheck(check.record, check.message);
    if (recording.missedKernels) {
      // Kernels registered since the last look ran unseen; they are wrapped now: record again next time.
      this.countFruitless(name());
      return result;
    }

    const rngAfter = call.states.rng?.state;
    let refusal = recording.refusal;
    if (rngBefore?.counter !== rngAfter?.counter) refusal ??= "it draws from states.rng";
    // A tf.Variable among the inputs that the step assigned to has another buffer now; a replay would not assign.
    if (tensors.some((t, i) => t.dataId !== buffersBefore[i])) refusal ??= "it assigns to a tf.Variable among its inputs";
    const changed = changedField(this.owner, fieldsBefore);
    if (changed !== undefined) refusal ??= `it changes this.${changed} (a JavaScript side effect that a replay would skip)`;
    const output = describeOutput([result, checks.map((c) => c.record)], tensors, objects);
    if (typeof output === "string") refusal ??= output;
    if (refusal !== undefined || typeof output === "string") {
      this.settle(key, { state: "eager", reason: refusal! }, name);
      return result;
    }
    const program = StepProgram.compile(recording, tensors, output);
    if (typeof program === "string") {
      this.settle(key, { state: "eager", reason: program }, name);
      return result;
    }
    const messages = checks.map((c) => c.message);
    const earlier = this.entries.get(key);
    if (earlier === undefined || earlier.state === "eager") {
      this.settle(key, { state: "recorded", program, messages }, name);
      return result;
    }
    const difference = earlier.program.differsFrom(program);
    if (earlier.state === "replay") {
      // A check at a boundary: the program stands if it still agrees; if not, JavaScript values the
      // step reads have changed since it was recorded, and this recording starts a new agreement.
      if (difference === undefined) {
        // The fields that changed did not change the program: not checked again until the next boundary,
        // so a field set every batch (a counter) costs one recording per epoch, not one per step.
        const inert = new Set(earlier.verified === this.boundary ? [...earlier.inert, ...changedFields] : changedFields);
        program.dispose();
        this.entries.set(key, { ...earlier, verified: this.boundary, fields: ownFields, inert });
      } else {
        this.settle(key, { state: "recorded", program, messages }, name);
      }
      return result;
    }
    this.settle(key, difference === undefined ? { state: "replay", program, messages, verified: this.boundary, fields: ownFields, inert: new Set() } : { state: "eager", reason: difference }, name);
    return result;
  }

  private settle(key: string, entry: Entry, name: () => StepName): void {
    this.forget(key);
    const shown = name();
    if (entry.state === "eager") this.events.eager?.(shown, entry.reason);
    if (entry.state === "replay") this.events.replaying?.(shown, entry.program.size);
    if (entry.state === "replay") this.fruitless.set(fruitlessKey(shown.purpose, shown.part), 0);
    else this.countFruitless(shown);
    this.entries.set(key, entry);
    if (this.entries.size > MAX_ENTRIES) this.forget(this.entries.keys().next().value as string);
  }

  /** One more recording in a row that led to no replay; at MAX_FRUITLESS the purpose (or part) stops recording. */
  private countFruitless({ purpose, part }: StepName): void {
    const key = fruitlessKey(purpose, part);
    const fruitless = (this.fruitless.get(key) ?? 0) + 1;
    this.fruitless.set(key, fruitless);
    if (fruitless === MAX_FRUITLESS) this.events.gaveUp?.({ purpose, part });
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.state !== "eager") entry.program.dispose();
    this.entries.delete(key);
  }
}

/** Recordings that led to no replay are counted per purpose and part of a step. */
function fruitlessKey(purpose: string, part: string): string {
  return `${purpose} ${part}`;
}

/** The first input tensor's shape, to tell keys apart in messages. */
function batchOf(call: StepCall): string {
  const first = leaves([call.x as StateTree, call.yTrue as StateTree])[0];
  return first === undefined ? "[]" : `[${first.shape.join(",")}]`;
}

type Fields = Array<[string, unknown, unknown[] | undefined]>;

/** The model's own fields, and one level into those that are arrays or plain objects (`this.stats.calls++`, `this.seen.push(…)`). */
function fieldsOf(owner: object): Fields {
  return Object.entries(owner).map(([key, value]) => [
    key,
    value,
    Array.isArray(value) ? [...value] : isPlainObject(value) ? Object.entries(value).flat() : undefined,
  ]);
}

/** The first field of `owner` that is not as it was (or that appeared or went): `name`, or `name (its items)` / `name (its fields)`. */
function changedField(owner: object, before: Fields): string | undefined {
  const now = fieldsOf(owner);
  for (const [key, value, inside] of before) {
    const current = now.find(([k]) => k === key);
    if (current === undefined || !Object.is(current[1], value)) return key;
    const after = current[2];
    if (inside !== undefined && (after === undefined || after.length !== inside.length || inside.some((v, i) => !Object.is(v, after[i])))) {
      return Array.isArray(value) ? `${key} (its items)` : `${key} (its fields)`;
    }
  }
  return now.find(([key]) => !before.some(([k]) => k === key))?.[0];
}

/** The model's own fields, by name: what a step may read between its inputs (`this.scale`). */
type OwnFields = ReadonlyMap<string, unknown>;

/** The own fields of `owner` that are not (by identity) as in `before`, or appeared or went, other than `inert` ones. */
function changedOwnFields(owner: object, before: OwnFields, inert: ReadonlySet<string>): string[] {
  const changed: string[] = [];
  let count = 0;
  for (const key in owner) {
    if (!Object.prototype.hasOwnProperty.call(owner, key)) continue;
    count++;
    if (inert.has(key)) continue;
    if (!before.has(key) || !Object.is(before.get(key), (owner as Record<string, unknown>)[key])) changed.push(key);
  }
  if (count !== before.size) for (const key of before.keys()) if (!Object.prototype.hasOwnProperty.call(owner, key) && !inert.has(key)) changed.push(key);
  return changed;
}
