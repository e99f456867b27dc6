// Trains an existing tf.LayersModel (tf.sequential, tf.model) functionally. Its trainable
// weights become params and its non-trainable weights (BatchNorm statistics) become states,
// keyed by layer and weight name ({ hidden: { kernel, bias } }); a layer tfjs named itself
// (dense_Dense3, numbered per process) by its position and kind instead ({ "0_dense": … }, see
// layer-keys.ts), so an identical model built again loads the same checkpoint. To compute with given tensors,
// each LayerVariable's value is swapped for the param tensor during the call: tfjs layers read
// weights through LayerVariable.read(), which returns that value, so the ops are recorded on
// the gradient tape against the param tensors and tf.valueAndGrads reaches them. Weights a
// layer writes while training (moving statistics) are swapped for temporary variables whose
// final values become the new states. The tfjs model's own weights are never changed,
// except by writeBack(). The model may also come from a function (`() => tf.loadLayersModel(url)`),
// called once by ready(), which Model awaits before any step: a trainer builds its model class
// synchronously, before anything could be loaded.
import { checkOptionKeys } from "../options-check";
import { tf } from "../tf";
import { ApplyContext } from "../contracts";
import { ElegyInputError } from "../errors";
import { RNG } from "../states";
import { StateTree, TensorTree, describeTree, isPlainObject, isTensor } from "../tree";
import { optionKeys } from "../options-check";
import { isAutomaticModelName, weightPathsOf } from "./layer-keys";
import { BaseModule } from "./module";

/** A tfjs-layers LayerVariable, seen with the field that holds its value. */
interface LayerVariable {
  readonly originalName: string;
  val: tf.Tensor;
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

/** A weight with its path in the params (trainable) or states tree. */
export interface KeyedWeight {
  readonly weight: LayerVariable;
  readonly path: string[];
}

export interface LayersAdapterOptions {
  /** The module's name (default: the tf model's own name, unless tfjs numbered it: "layers_adapter"). */
  name?: string;
  /**
   * How weights are keyed: "stable" (default) keeps the names you gave layers and keys a layer
   * tfjs named itself by position and kind (`0_dense/kernel`); "names" keys every layer by its
   * tfjs name as it is (`dense_Dense1/kernel`), as elegy-ts did before, to load such checkpoints.
   */
  layerKeys?: "stable" | "names";
}
const ADAPTER_OPTIONS = optionKeys<LayersAdapterOptions>()(["name", "layerKeys"]);

function getAt(tree: StateTree, path: string[], what: string, owner: string): tf.Tensor {
  let node: unknown = tree;
  for (const key of path) node = isPlainObject(node) ? node[key] : undefined;
  if (!isTensor(node)) throw new ElegyInputError(`${owner}: ${what} lack '${path.join("/")}'; got ${describeTree(tree)}. Create them with init(rng, x).`);
  return node;
}

function setAt(tree: Record<string, unknown>, path: string[], value: tf.Tensor): void {
  let node = tree;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1]] = value;
}

/** A tf.LayersModel, or a function giving one (e.g. `() => tf.loadLayersModel(url)`), called once by ready(). */
export type LayersModelSource = tf.LayersModel | (() => tf.LayersModel | Promise<tf.LayersModel>);

export class LayersAdapter extends BaseModule {
  private loaded: tf.LayersModel | undefined;
  private loading: Promise<unknown> | undefined;
  private readonly loader: (() => tf.LayersModel | Promise<tf.LayersModel>) | undefined;
  readonly layerKeys: "stable" | "names";

  constructor(model: LayersModelSource, options: LayersAdapterOptions = {}) {
    if (new.target === LayersAdapter) checkOptionKeys("new nn.LayersAdapter", options, ADAPTER_OPTIONS);
    const layerKeys = options.layerKeys ?? "stable";
    if (layerKeys !== "stable" && layerKeys !== "names") {
      throw new ElegyInputError(`new nn.LayersAdapter(): layerKeys must be "stable" or "names", got ${JSON.stringify(layerKeys)}.`);
    }
    // A numbered tfjs model name (sequential_3) would key the adapter inside an nn.Sequential unstably too.
    const own = model instanceof tf.LayersModel && (layerKeys === "names" || !isAutomaticModelName(model)) ? model.name : undefined;
    super(options.name ?? own ?? "layers_adapter", undefined);
    this.layerKeys = layerKeys;
    if (model instanceof tf.LayersModel) this.loaded = model;
    else if (typeof model === "function") this.loader = model;
    else throw new ElegyInputError(`LayersAdapter takes a tf.LayersModel or a function returning one (e.g. () => tf.loadLayersModel(url)), got ${describeTree(model)}.`);
  }

  /** The adapted tf model (given to the constructor, or loaded by ready()). */
  get model(): tf.LayersModel {
    if (this.loaded === undefined) {
      throw new ElegyInputError(`${this.name}: its tf.LayersModel is not loaded yet; await model.ready() first (init, fit, evaluate and predict do).`);
    }
    return this.loaded;
  }

  /** Loads the tf model from the function given to the constructor, once; Model calls it before any step. */
  async ready(): Promise<void> {
    if (this.loaded !== undefined) return;
    this.loading ??= Promise.resolve().then(this.loader);
    let model: unknown;
    try {
      model = await this.loading;
    } finally {
      this.loading = undefined; // a failed load is tried again on the next call
    }
    if (!(model instanceof tf.LayersModel)) {
      throw new ElegyInputError(`${this.name}: the function given to LayersAdapter returned ${describeTree(model)}, not a tf.LayersModel (e.g. () => tf.loadLayersModel(url)).`);
    }
    this.loaded ??= model;
  }

  /** @internal The model's trainable weights (params) and the others (states), each with its tree path (for the export). */
  keyedWeights(): { trainable: KeyedWeight[]; fixed: KeyedWeight[] } {
    const pathOf = this.layerKeys === "names" ? (name: string) => name.split("/") : weightPathsOf(this.model);
    const keyed = (ws: tf.LayerVariable[]): KeyedWeight[] =>
      (ws as unknown as LayerVariable[]).map((weight) => ({ weight, path: pathOf(weight.originalName) }));
    const trainable = keyed(this.model.trainableWeights);
    const fixed = keyed(this.model.nonTrainableWeights);
    const keys = [...trainable, ...fixed].map((w) => w.path.join("/"));
    const repeated = keys.findIndex((k, i) => keys.indexOf(k) !== i);
    if (repeated >= 0) {
      const both = [...trainable, ...fixed].filter((w) => w.path.join("/") === keys[repeated]).map((w) => `'${w.weight.originalName}'`);
      throw new ElegyInputError(`${this.name}: the weights ${both.join(" and ")} would share the key '${keys[repeated]}'; give the layers distinct names (name: in their options).`);
    }
    return { trainable, fixed };
  }

  /** Copies of the model's current weights (the model keeps its own; `rng` is not used). */
  init(_rng: RNG, x: TensorTree): { params: TensorTree; states: StateTree } {
    if (!this.model.built) {
      tf.tidy(() => {
        this.model.apply(this.tensorInput(x));
      });
    }
    const { trainable, fixed } = this.keyedWeights();
    const params: Record<string, unknown> = {};
    const states: Record<string, unknown> = {};
    for (const w of trainable) setAt(params, w.path, tf.clone(w.weight.read()));
    for (const w of fixed) setAt(states, w.path, tf.clone(w.weight.read()));
    return { params: params as TensorTree, states: states as StateTree };
  }

  apply(params: TensorTree, states: StateTree, x: TensorTree, ctx: ApplyContext): [TensorTree, StateTree] {
    const keyed = this.keyedWeights();
    const paramTensors = keyed.trainable.map((w) => getAt(params, w.path, "params", this.name));
    const stateTensors = keyed.fixed.map((w) => getAt(states, w.path, "states", this.name));
    const trainable = keyed.trainable.map((w) => w.weight);
    const fixed = keyed.fixed.map((w) => w.weight);
    const saved = [...trainable, ...fixed].map((w) => w.val);
    // Only training writes weights (BatchNorm statistics); inference reads the states as they are.
    const temporaries = ctx.training ? stateTensors.map((s) => tf.variable(s, false)) : [];
    try {
      trainable.forEach((w, i) => (w.val = paramTensors[i]));
      fixed.forEach((w, i) => (w.val = ctx.training ? temporaries[i] : stateTensors[i]));
      const y = this.model.apply(x as tf.Tensor | tf.Tensor[], { training: ctx.training }) as tf.Tensor | tf.Tensor[];
      if (!ctx.training) return [y, states];
      // A temporary still holding its initial data was not written: keep the old state tensor.
      const written = temporaries.map((v, i) => v.dataId !== stateTensors[i].dataId);
      if (!written.some(Boolean)) return [y, states];
      const next: Record<string, unknown> = {};
      keyed.fixed.forEach((w, i) => setAt(next, w.path, written[i] ? tf.clone(temporaries[i]) : stateTensors[i]));
      return [y, next as StateTree];
    } finally {
      [...trainable, ...fixed].forEach((w, i) => (w.val = saved[i]));
      temporaries.forEach((v) => v.dispose());
    }
  }

  /**
   * Writes trained params (and states) into the tfjs model's own weights, which training never
   * changes: `adapter.writeBack(model.states.netParams, model.states.netStates)`, then use or
   * save the tf model as usual (tfModel.predict, tfModel.save).
   */
  writeBack(params: TensorTree, states?: StateTree): void {
    const { trainable, fixed } = this.keyedWeights();
    tf.tidy(() => {
      trainable.forEach((w) => w.weight.write(getAt(params, w.path, "params", this.name)));
      if (states !== undefined) fixed.forEach((w) => w.weight.write(getAt(states, w.path, "states", this.name)));
    });
  }
}

/** Adapts a tf.LayersModel (tf.sequential / tf.model) into a functional module. */
export function fromLayers(model: tf.LayersModel, options: LayersAdapterOptions = {}): LayersAdapter {
  checkOptionKeys("nn.fromLayers", options, ADAPTER_OPTIONS);
  return new LayersAdapter(model, options);
}
