// Immutable model state (docs/guide.md) and its seeded, splittable random generator.
import { tf } from "./tf";
import { ElegyInputError } from "./errors";
import { StateTree, TensorTree, collectTensors } from "./tree";

/**
 * A counter-based random stream: each `next()` hashes (seed, counter) into a fresh 31-bit
 * seed for tfjs random ops. Like Elegy's RNGSeq it advances in place; its whole state is
 * two integers, so checkpoints restore it exactly.
 */
export class RNG {
  constructor(
    readonly seed: number,
    private counter = 0,
  ) {
    if (!Number.isInteger(seed)) throw new ElegyInputError(`RNG seed must be an integer, got ${seed}.`);
  }

  /** A fresh seed (non-negative 31-bit integer) for a tfjs random op. */
  next(): number {
    this.counter += 1;
    return mix32(this.seed, this.counter) & 0x7fffffff;
  }

  /** An independent child generator (its stream never overlaps this one's in practice). */
  split(): RNG {
    return new RNG(this.next());
  }

  /** The exact state, for checkpoints. */
  get state(): { seed: number; counter: number } {
    return { seed: this.seed, counter: this.counter };
  }

  static fromState(state: { seed: number; counter: number }): RNG {
    return new RNG(state.seed, state.counter);
  }

  clone(): RNG {
    return new RNG(this.seed, this.counter);
  }
}

/** splitmix-style 32-bit mixing of a seed and a counter. */
function mix32(seed: number, counter: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(counter, 0xc2b2ae35)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The fields every States has (each may be undefined until a step sets it). */
export interface StatesFields {
  netParams?: TensorTree;
  netStates?: StateTree;
  metricsStates?: StateTree;
  optimizerStates?: StateTree;
  rng?: RNG;
  [field: string]: unknown;
}

const RESERVED = new Set(["update", "maybeUpdate", "get", "has", "fields", "tensors", "constructor", "toJSON"]);

/**
 * Immutable record of a model's state: `netParams`, `netStates`, `metricsStates`,
 * `optimizerStates`, `rng`, plus any user field. `update` and `maybeUpdate` return new
 * States; the old one is never changed.
 */
export class States {
  declare readonly netParams: TensorTree;
  declare readonly netStates: StateTree;
  declare readonly metricsStates: StateTree;
  declare readonly optimizerStates: StateTree;
  declare readonly rng: RNG;
  /** User fields, readable as properties (`states.step`). */
  readonly [field: string]: any;

  constructor(fields: StatesFields = {}) {
    for (const [key, value] of Object.entries(fields)) {
      if (RESERVED.has(key)) {
        throw new ElegyInputError(`'${key}' cannot be a States field: it is the name of a States method. Choose another field name.`);
      }
      if (value !== undefined) (this as Record<string, unknown>)[key] = value;
    }
    Object.freeze(this);
  }

  /** A field by name; undefined when never set. */
  get(field: string): any {
    return Object.prototype.hasOwnProperty.call(this, field) ? (this as Record<string, unknown>)[field] : undefined;
  }

  has(field: string): boolean {
    return this.get(field) !== undefined;
  }

  /** A new States with the given fields replaced (a field set to undefined is removed). */
  update(patch: StatesFields): States {
    return new States({ ...this.fields(), ...patch });
  }

  /** A new States where only the fields that are currently undefined take the given values. */
  maybeUpdate(patch: StatesFields): States {
    const filled: StatesFields = {};
    for (const [key, value] of Object.entries(patch)) if (this.get(key) === undefined) filled[key] = value;
    return this.update(filled);
  }

  /** The fields as a plain object (a shallow copy). */
  fields(): StatesFields {
    return { ...(this as StatesFields) };
  }

  /** Every tensor held by any field (for memory bookkeeping). */
  tensors(): Set<tf.Tensor> {
    return collectTensors(Object.values(this));
  }
}
