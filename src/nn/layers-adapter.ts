// Trains an existing tf.LayersModel (tf.sequential, tf.model) functionally. Its trainable
// weights become params and its non-trainable weights (BatchNorm statistics) become states,
// keyed by weight name ({ dense_Dense1: { kernel, bias } }). To compute with given tensors,
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
import { BaseModule, NAME_OPTIONS } from "./module";

/** A tfjs-layers LayerVariable, seen with the field that holds its value. */
interface LayerVariable {
  readonly originalName: string;
  val: tf.Tensor;
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

/** The tree path of a weight: its name split on "/" ("dense_Dense1/kernel" → ["dense_Dense1", "kernel"]). */
function pathOf(weight: LayerVariable): string[] {
  return weight.originalName.split("/");
}

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

  constructor(model: LayersModelSource, options: { name?: string } = {}) {
    if (new.target === LayersAdapter) checkOptionKeys("new nn.LayersAdapter", options, NAME_OPTIONS);
    super(options.name ?? (model instanceof tf.LayersModel ? model.name : "layers_adapter"), undefined);
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

  private weights(): { trainable: LayerVariable[]; fixed: LayerVariable[] } {
    const trainable = this.model.trainableWeights as unknown as LayerVariable[];
    const fixed = this.model.nonTrainableWeights as unknown as LayerVariable[];
    const names = [...trainable, ...fixed].map((w) => w.originalName);
    const repeated = names.find((n, i) => names.indexOf(n) !== i);
    if (repeated) throw new ElegyInputError(`${this.name}: two weights share the name '${repeated}'; give the layers distinct names.`);
    return { trainable, fixed };
  }

  /** Copies of the model's current weights (the model keeps its own; `rng` is not used). */
  init(_rng: RNG, x: TensorTree): { params: TensorTree; states: StateTree } {
    if (!this.model.built) {
      tf.tidy(() => {
        this.model.apply(this.tensorInput(x));
      });
    }
    const { trainable, fixed } = this.weights();
    const params: Record<string, unknown> = {};
    const states: Record<string, unknown> = {};
    for (const w of trainable) setAt(params, pathOf(w), tf.clone(w.read()));
    for (const w of fixed) setAt(states, pathOf(w), tf.clone(w.read()));
    return { params: params as TensorTree, states: states as StateTree };
  }

  apply(params: TensorTree, states: StateTree, x: TensorTree, ctx: ApplyContext): [TensorTree, StateTree] {
    const { trainable, fixed } = this.weights();
    const paramTensors = trainable.map((w) => getAt(params, pathOf(w), "params", this.name));
    const stateTensors = fixed.map((w) => getAt(states, pathOf(w), "states", this.name));
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
      fixed.forEach((w, i) => setAt(next, pathOf(w), written[i] ? tf.clone(temporaries[i]) : stateTensors[i]));
      return [y, next as StateTree];
    } finally {
      [...trainable, ...fixed].forEach((w, i) => (w.val = saved[i]));
      temporaries.forEach((v) => v.dispose());
    }
  }

  /** Writes trained params (and states) into the tfjs model's own weights, e.g. to save it with model.save. */
  writeBack(params: TensorTree, states?: StateTree): void {
    const { trainable, fixed } = this.weights();
    tf.tidy(() => {
      trainable.forEach((w) => w.write(getAt(params, pathOf(w), "params", this.name)));
      if (states !== undefined) fixed.forEach((w) => w.write(getAt(states, pathOf(w), "states", this.name)));
    });
  }
}

/** Adapts a tf.LayersModel (tf.sequential / tf.model) into a functional module. */
export function fromLayers(model: tf.LayersModel, options: { name?: string } = {}): LayersAdapter {
  checkOptionKeys("nn.fromLayers", options, NAME_OPTIONS);
  return new LayersAdapter(model, options);
}
