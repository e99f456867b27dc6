// describeModule: an elegy-ts module as a tfjs-layers model. It builds the equivalent
// tf.LayersModel in memory, layer by layer, and keeps tfjs-layers' own JSON of it — so the
// topology is what tfjs itself writes and reads, not an imitation — plus the States leaf of
// each weight. The temporary model is freed. What tfjs-layers cannot express (code of the
// user's own: a custom module, a subclass, a function) comes back as a reason instead.
import { tf } from "../../tf";
import { Module } from "../../contracts";
import { snakeCase } from "../../losses/names";
import { BatchNorm } from "../../nn/batch-norm";
import { Conv2D } from "../../nn/conv2d";
import { Dropout } from "../../nn/dropout";
import { Flatten } from "../../nn/flatten";
import { KeyedWeight, LayersAdapter } from "../../nn/layers-adapter";
import { Linear } from "../../nn/linear";
import { MLP } from "../../nn/mlp";
import { Activation, isModule } from "../../nn/module";
import { AvgPool2D, GlobalAvgPool2D, MaxPool2D } from "../../nn/pooling";
import { Sequential } from "../../nn/sequential";
import { activationIdentifier, activationLayer, describeFunction, isKnownActivation } from "./activations";
import { DESCRIPTION_FORMAT, ModuleDescription, WeightSource } from "./description";

export type DescribeResult = { ok: true; description: ModuleDescription } | { ok: false; reason: string };

/** The built-in layers an export rebuilds in tfjs-layers (exact classes: a subclass has code of its own). */
const LAYER_CLASSES: ReadonlyArray<abstract new (...args: never[]) => Module> = [
  Linear, Conv2D, MaxPool2D, AvgPool2D, GlobalAvgPool2D, Flatten, Dropout, BatchNorm, LayersAdapter,
];
const CONTAINERS: ReadonlyArray<abstract new (...args: never[]) => Module> = [Sequential, MLP];

/** Thrown inside this file only: the reason becomes a DescribeResult. */
class Unexpressible extends Error {}

interface ModuleItem {
  module: Module;
  /** Keys from netParams/netStates down to this module's own tree ([] for the whole module). */
  path: string[];
  /** Where the user finds it: "module.layers[2]". */
  where: string;
}
interface ActivationItem {
  fn: Activation;
  where: string;
}
type Item = ModuleItem | ActivationItem;

/**
 * The tfjs-layers description of `module` for inputs of `inputShape` (batch axis first), or the
 * reason it has none. A LayersAdapter module needs no input shape (its tf model has its own).
 */
export async function describeModule(module: Module, inputShape: readonly number[] | undefined): Promise<DescribeResult> {
  try {
    if (exactly(module, LayersAdapter)) return { ok: true, description: adapterDescription(module as LayersAdapter) };
    const items: Item[] = [];
    collect(module, [], "module", items);
    if (inputShape === undefined) throw new Unexpressible("the input shape is not known yet (run predict or init on a batch first)");
    return { ok: true, description: await sequentialDescription(module.name, items, inputShape) };
  } catch (error) {
    if (error instanceof Unexpressible) return { ok: false, reason: error.message };
    throw error;
  }
}

function exactly(value: unknown, cls: abstract new (...args: never[]) => unknown): boolean {
  return typeof value === "object" && value !== null && value.constructor === cls;
}

function className(value: object): string {
  return value.constructor?.name || "an anonymous class";
}

/** The module's layers in order, containers opened, each checked to be expressible. */
function collect(module: Module, path: string[], where: string, out: Item[]): void {
  if (exactly(module, MLP)) return collect((module as MLP).sequential, path, `${where}.sequential`, out);
  if (exactly(module, Sequential)) {
    const seq = module as Sequential;
    seq.layers.forEach((layer, i) => {
      const at = `${where}.layers[${i}]`;
      if (isModule(layer)) collect(layer, [...path, seq.keys[i]!], at, out);
      else if (isKnownActivation(layer)) out.push({ fn: layer, where: at });
      else throw new Unexpressible(`${at} is ${describeFunction(layer)}, not one of nn's activations: tfjs-layers cannot run a function's code`);
    });
    return;
  }
  const known = [...LAYER_CLASSES, ...CONTAINERS].find((cls) => module instanceof cls);
  const named = `${where}${path.length > 0 ? ` ('${path.join("/")}')` : ""}`;
  if (known !== undefined && !exactly(module, known)) {
    throw new Unexpressible(`${named} is a ${className(module)}, a subclass of nn.${known.name} with code of its own, which tfjs-layers cannot run`);
  }
  if (known === undefined) {
    throw new Unexpressible(
      `${named} is a ${className(module)}, not one of elegy-ts's built-in layers: tfjs-layers rebuilds only its own layer types and cannot run ${className(module)}'s code`,
    );
  }
  const own = (module as Linear | Conv2D).activation;
  if ((module instanceof Linear || module instanceof Conv2D) && own !== undefined && !isKnownActivation(own)) {
    throw new Unexpressible(`the activation of ${named} is ${describeFunction(own)}, not one of nn's activations: tfjs-layers cannot run a function's code`);
  }
  out.push({ module, path, where });
}

/** A LayersAdapter is a tfjs model already: its own JSON, its weights where the adapter keeps them. */
function adapterDescription(adapter: LayersAdapter): ModuleDescription {
  return { format: DESCRIPTION_FORMAT, modelTopology: adapter.model.toJSON(null, false) as Record<string, unknown>, weights: adapterWeights(adapter, []) };
}

/** Trainable weights are params, the others (BatchNorm statistics) states, where the adapter keys them. */
function adapterWeights(adapter: LayersAdapter, path: string[]): WeightSource[] {
  const { trainable, fixed } = adapter.keyedWeights();
  const place = (field: string) => (w: KeyedWeight): WeightSource => ({ name: w.weight.originalName, path: [field, ...path, ...w.path] });
  return [...trainable.map(place("netParams")), ...fixed.map(place("netStates"))];
}

async function sequentialDescription(name: string, items: Item[], inputShape: readonly number[]): Promise<ModuleDescription> {
  // Layer names: each module's key path (its params' place, "linear_1", "block/conv2d"); activations get free names.
  const taken = new Set(items.flatMap((item) => ("module" in item ? [layerNameOf(item)] : [])));
  const fresh = (base: string): string => {
    let candidate = base;
    for (let i = 1; taken.has(candidate); i++) candidate = `${base}_${i}`;
    taken.add(candidate);
    return candidate;
  };
  const seq = tf.sequential({ name });
  const weights: WeightSource[] = [];
  let step = "the input";
  try {
    // Only the first layer declares the input. tfjs builds each layer as it is added, so a shape
    // tfjs-layers rejects is reported at the layer that caused it.
    const input = (): { batchInputShape?: Array<number | null> } =>
      seq.layers.length === 0 ? { batchInputShape: [null, ...inputShape.slice(1)] } : {};
    const currentShape = (): Array<number | null> => (seq.layers.length === 0 ? [null, ...inputShape.slice(1)] : seq.outputs[0].shape);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      step = item.where;
      if ("fn" in item) {
        seq.add(activationLayer(item.fn, { name: fresh(snakeCase(item.fn.name || "activation")), ...input() }));
        continue;
      }
      const m = item.module;
      const name = layerNameOf(item);
      if (m instanceof LayersAdapter) {
        const clone = await tf.models.modelFromJSON({ modelTopology: m.model.toJSON(null, false) as never });
        try {
          seq.add(clone as unknown as tf.layers.Layer);
        } catch (error) {
          clone.dispose();
          throw error;
        }
        weights.push(...adapterWeights(m, item.path));
        continue;
      }
      if (m instanceof Linear || m instanceof Conv2D) {
        // A following nn activation becomes the layer's own, as Keras writes Dense(activation=…);
        // Sequential runs `[Linear|Conv2D, nn.relu]` fused: the same math.
        const next = items[i + 1];
        let activation = m.activation && activationIdentifier(m.activation);
        if (m.activation === undefined && next !== undefined && "fn" in next && activationIdentifier(next.fn) !== undefined) {
          activation = activationIdentifier(next.fn);
          i++;
        }
        const common = { name, useBias: m.useBias, activation: (activation ?? "linear") as never, ...input() };
        const layer = m instanceof Linear
          ? tf.layers.dense({ units: m.units, ...common })
          : tf.layers.conv2d({ filters: m.filters, kernelSize: m.kernelSize, strides: m.strides, padding: m.padding, dilationRate: m.dilationRate, ...common });
        seq.add(layer);
        weights.push(...ownWeights(layer, item.path));
        // An own activation without an identifier (a leaky ReLU) runs as a layer of its own.
        if (m.activation !== undefined && activation === undefined) seq.add(activationLayer(m.activation, { name: fresh(`${name}_activation`) }));
        continue;
      }
      const layer = builtInLayer(m, name, currentShape(), input());
      seq.add(layer);
      weights.push(...ownWeights(layer, item.path));
    }
    if (seq.layers.length === 0) throw new Unexpressible("the module has no layers");
    return { format: DESCRIPTION_FORMAT, modelTopology: seq.toJSON(null, false) as Record<string, unknown>, weights };
  } catch (error) {
    if (error instanceof Unexpressible) throw error;
    throw new Unexpressible(`tfjs-layers refused ${step}: ${(error as Error).message}`);
  } finally {
    if (seq.layers.length > 0) seq.dispose();
  }
}

/** The tfjs layer of a parameter-free layer or BatchNorm, with the same configuration. */
function builtInLayer(m: Module, name: string, shape: Array<number | null>, input: object): tf.layers.Layer {
  if (m instanceof MaxPool2D || m instanceof AvgPool2D) {
    const config = { name, poolSize: m.poolSize, strides: m.strides, padding: m.padding, ...input };
    return m instanceof MaxPool2D ? tf.layers.maxPooling2d(config) : tf.layers.averagePooling2d(config);
  }
  if (m instanceof GlobalAvgPool2D) return tf.layers.globalAveragePooling2d({ name, ...input });
  if (m instanceof Flatten) {
    // tfjs-layers' Flatten takes rank ≥ 3; below that elegy-ts's Flatten is a reshape to [batch, n].
    if (shape.length >= 3) return tf.layers.flatten({ name, ...input });
    return tf.layers.reshape({ name, targetShape: [shape.length === 2 ? (shape[1] as number) : 1], ...input });
  }
  if (m instanceof Dropout) return tf.layers.dropout({ name, rate: m.rate, noiseShape: m.noiseShape, ...input });
  const bn = m as BatchNorm;
  return tf.layers.batchNormalization({ name, axis: bn.axis, momentum: bn.momentum, epsilon: bn.epsilon, center: bn.center, scale: bn.scale, ...input });
}

/** A built-in layer's weights: kernel/bias/gamma/beta are params, the moving statistics states. */
function ownWeights(layer: tf.layers.Layer, path: string[]): WeightSource[] {
  return layer.weights.map((w) => {
    const leaf = w.originalName.slice(w.originalName.lastIndexOf("/") + 1);
    const field = leaf === "moving_mean" || leaf === "moving_variance" ? "netStates" : "netParams";
    return { name: w.originalName, path: [field, ...path, leaf] };
  });
}

function layerNameOf(item: ModuleItem): string {
  return item.path.join("/") || item.module.name;
}
