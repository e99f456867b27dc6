// Modules and activations applied in order. Each module's params and states sit under its
// unique name ("linear", "linear_1", …), as Elegy/Haiku name submodules.
import { checkOptionKeys } from "../options-check";
import { ApplyContext, Module } from "../contracts";
import { ElegyInputError } from "../errors";
import { MissingParamsError } from "../missing-params";
import { RNG } from "../states";
import { StateTree, TensorTree, isPlainObject } from "../tree";
import { uniqueNames } from "../losses/names";
import { relu } from "./activations";
import { Conv2D } from "./conv2d";
import { BaseModule, NAME_OPTIONS, Layer, ReluFusable, isModule, isReluFusable } from "./module";
import { MaxPool2D } from "./pooling";

/** A MaxPool2D itself (a subclass may pool differently, so it is never fused). */
function isPlainMaxPool(layer: Layer | undefined): layer is MaxPool2D {
  return layer instanceof MaxPool2D && Object.getPrototypeOf(layer) === MaxPool2D.prototype;
}

/** Where a Conv2D's ReLU and the MaxPool2D after it may run in the conv's kernel: the pool, and how many layers that covers. */
function reluPoolAfter(layers: readonly Layer[], i: number): { pool: MaxPool2D; span: number } | undefined {
  const [layer, next, after] = [layers[i], layers[i + 1], layers[i + 2]];
  if (!(layer instanceof Conv2D)) return undefined;
  if (layer.fusesRelu && next === relu && isPlainMaxPool(after)) return { pool: after, span: 3 };
  if (layer.activation === relu && isPlainMaxPool(next)) return { pool: next, span: 2 };
  return undefined;
}

export class Sequential extends BaseModule {
  readonly layers: readonly Layer[];
  /** Key of each module in the params/states trees (undefined for activations). */
  readonly keys: ReadonlyArray<string | undefined>;
  /**
   * Whether layer i is a Conv2D/Linear (without an activation of its own) directly followed by
   * nn.relu itself: apply then runs both as one fused kernel (same params, same results).
   */
  private readonly fusedWithRelu: readonly boolean[];
  /**
   * Where layer i is a Conv2D whose ReLU (nn.relu next, or its own) is followed by a MaxPool2D: apply
   * then tries the three as one kernel (Conv2D.reluMaxPool), and runs them as before where it does not apply.
   */
  private readonly reluPools: ReadonlyArray<{ pool: MaxPool2D; span: number } | undefined>;

  constructor(layers: readonly Layer[], options: { name?: string } = {}) {
    if (new.target === Sequential) checkOptionKeys("new nn.Sequential", options, NAME_OPTIONS);
    super("sequential", options.name);
    layers.forEach((layer, i) => {
      if (!isModule(layer) && typeof layer !== "function") {
        throw new ElegyInputError(`Sequential: layer ${i} is neither a module (with init and apply) nor an activation function.`);
      }
    });
    this.layers = [...layers];
    const moduleNames = uniqueNames(this.layers.filter(isModule).map((m) => m.name));
    let next = 0;
    this.keys = this.layers.map((layer) => (isModule(layer) ? moduleNames[next++] : undefined));
    this.fusedWithRelu = this.layers.map((layer, i) => isReluFusable(layer) && layer.fusesRelu && this.layers[i + 1] === relu);
    this.reluPools = this.layers.map((_, i) => reluPoolAfter(this.layers, i));
  }

  /** The modules with their keys (activations left out). */
  get modules(): Array<[string, Module]> {
    return this.layers.flatMap((layer, i) => (isModule(layer) ? [[this.keys[i]!, layer] as [string, Module]] : []));
  }

  /** Readies each module that has asynchronous setup (a LayersAdapter with a loader). */
  async ready(): Promise<void> {
    for (const [, module] of this.modules) await module.ready?.();
  }

  init(rng: RNG, x: TensorTree): { params: TensorTree; states: StateTree } {
    const params: Record<string, TensorTree> = {};
    const states: Record<string, StateTree> = {};
    let h = x;
    this.layers.forEach((layer, i) => {
      if (!isModule(layer)) {
        h = layer(h as never);
        return;
      }
      const key = this.keys[i]!;
      const created = layer.init(rng, h);
      params[key] = created.params;
      states[key] = created.states;
      // Later layers take their shapes from this one's output (inference mode, as Keras builds).
      [h] = layer.apply(created.params, created.states, h, { training: false, rng });
    });
    return { params, states };
  }

  apply(params: TensorTree, states: StateTree, x: TensorTree, ctx: ApplyContext): [TensorTree, StateTree] {
    const p = this.record(params, "params");
    const s = this.record(states ?? {}, "states");
    let changed = false;
    const nextStates: Record<string, StateTree> = { ...s };
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      const layer = this.layers[i];
      if (!isModule(layer)) {
        h = layer(h as never);
        continue;
      }
      const key = this.keys[i]!;
      const reluPool = this.reluPools[i];
      const pooled = reluPool ? (layer as Conv2D).reluMaxPool(p[key], h, reluPool.pool) : undefined;
      if (pooled) {
        // The conv's ReLU and the pooling ran inside its kernel (neither has states).
        h = pooled;
        i += reluPool!.span - 1;
        continue;
      }
      const fused = this.fusedWithRelu[i];
      const [out, layerStates] = fused ? (layer as ReluFusable).applyWithRelu(p[key], s[key], h, ctx) : layer.apply(p[key], s[key], h, ctx);
      if (fused) i++; // the nn.relu ran inside the layer's kernel
      if (layerStates !== s[key]) {
        nextStates[key] = layerStates;
        changed = true;
      }
      h = out;
    }
    // The same states object when nothing changed, so the Model can skip an update.
    return [h, changed ? nextStates : states];
  }

  private record<T extends StateTree>(tree: T, what: string): Record<string, T> {
    if (tree === undefined) {
      throw new MissingParamsError(`${this.name} was given no ${what} (undefined)`, `${this.name}: ${what} must be an object keyed by layer name; got undefined.`);
    }
    if (!isPlainObject(tree)) throw new ElegyInputError(`${this.name}: ${what} must be an object keyed by layer name; got ${typeof tree}.`);
    return tree as Record<string, T>;
  }
}
