// The keys a LayersAdapter gives a tf.LayersModel's weights in the params/states trees.
// tfjs names a layer created without `name:` `<snake_case class>_<Class><n>` (dense_Dense3),
// n counting that class's layers in the process (tfjs-layers' Layer constructor: toSnakeCase
// of getClassName() + "_" + getUid(className)). Those numbers move when the same model is built
// again, or its layers are created in another order, so a checkpoint keyed by them would not
// load into an identical model. Such a layer is keyed by where it sits instead: its index in
// model.layers and its kind (`0_dense`; inside a nested model, the indices down to it:
// `0_1_dense`). A name the user gave is kept as it is.
import { tf } from "../tf";

/** tfjs-layers' toSnakeCase (generic_utils), which makes the first half of an automatic name. */
export function tfjsSnakeCase(name: string): string {
  const intermediate = name.replace(/(.)([A-Z][a-z0-9]+)/g, "$1_$2");
  const insecure = intermediate.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
  return insecure[0] !== "_" ? insecure : `private${insecure}`;
}

/** `name` split as tfjs's automatic name of a layer of some class (`dense_Dense3` → prefix "", kind "dense"), or undefined. */
function automaticParts(name: string): { prefix: string; kind: string } | undefined {
  const match = /_([A-Z][A-Za-z0-9]*?)\d+$/.exec(name);
  if (match === null) return undefined;
  const kind = tfjsSnakeCase(match[1]);
  const head = name.slice(0, match.index);
  if (head !== kind && !head.endsWith(`_${kind}`)) return undefined;
  return { prefix: head.slice(0, head.length - kind.length), kind };
}

/** Whether `name` is the one tfjs gives a layer of class `className` created without a name. */
export function isAutomaticLayerName(name: string, className: string): boolean {
  const parts = automaticParts(name);
  return parts !== undefined && parts.prefix === "" && name.startsWith(`${tfjsSnakeCase(className)}_${className}`);
}

/** Whether a tf model's name is tfjs's automatic one (`sequential_3` for tf.sequential, `model2` for tf.model). */
export function isAutomaticModelName(model: tf.LayersModel): boolean {
  const lower = model.getClassName().toLowerCase();
  return new RegExp(`^${lower}_?\\d+$`).test(model.name);
}

/** Whether a key part carries tfjs's per-process numbering (`dense_Dense3`, `forward_lstm_LSTM2`). */
export function hasAutomaticNumber(part: string): boolean {
  return automaticParts(part) !== undefined;
}

/** The stable key of each automatically named layer of `model`, by its tfjs name. */
function positionalKeys(model: tf.LayersModel): Map<string, string> {
  const keys = new Map<string, string>();
  const walk = (layers: readonly tf.layers.Layer[], prefix: string): void => {
    layers.forEach((layer, i) => {
      const cls = layer.getClassName();
      if (isAutomaticLayerName(layer.name, cls) && !keys.has(layer.name)) keys.set(layer.name, `${prefix}${i}_${tfjsSnakeCase(cls)}`);
      if (layer instanceof tf.LayersModel) walk(layer.layers, `${prefix}${i}_`);
    });
  };
  walk(model.layers, "");
  return keys;
}

/**
 * The tree path of each weight name of `model`: its name split on "/", the layer part replaced by
 * its positional key when tfjs named the layer, and tfjs's numbering dropped from inner parts (a
 * wrapper's `forward_lstm_LSTM2` → `forward_lstm`), which the wrapper's own key already places.
 */
export function weightPathsOf(model: tf.LayersModel): (originalName: string) => string[] {
  const keys = positionalKeys(model);
  return (originalName) =>
    originalName.split("/").map((part, i) => {
      const key = i === 0 ? keys.get(part) : undefined;
      if (key !== undefined) return key;
      const parts = automaticParts(part);
      return parts === undefined ? part : `${parts.prefix}${parts.kind}`;
    });
}

/** A path's layer parts without tfjs's numbering or a position: `netParams.dense_Dense4.kernel` and `netParams.0_dense.kernel` → `netParams.dense.kernel`. */
function unnumbered(path: string): string {
  return path
    .split(".")
    .map((part) => {
      const parts = automaticParts(part);
      if (parts !== undefined) return `${parts.prefix}${parts.kind}`;
      return /^\d+(?:_\d+)*_([a-z].*)$/.exec(part)?.[1] ?? part;
    })
    .join(".");
}

/**
 * When the leaves only the model has and those only the checkpoint has are the same but for
 * tfjs's layer numbering (or a position key against a numbered name), what happened and the fix.
 */
export function numberingHint(modelOnly: readonly string[], checkpointOnly: readonly string[]): string | undefined {
  if (modelOnly.length === 0 || modelOnly.length !== checkpointOnly.length) return undefined;
  const numbered = (paths: readonly string[]) => paths.some((p) => p.split(".").some(hasAutomaticNumber));
  if (!numbered(modelOnly) && !numbered(checkpointOnly)) return undefined;
  const a = modelOnly.map(unnumbered).sort();
  const b = checkpointOnly.map(unnumbered).sort();
  if (a.some((p, i) => p !== b[i])) return undefined;
  const example = checkpointOnly.find((p) => p.split(".").some(hasAutomaticNumber));
  if (example !== undefined && !numbered(modelOnly)) {
    const name = example.split(".").find(hasAutomaticNumber)!;
    return (
      `These leaves differ only by tfjs's numbering of layers created without a name: the checkpoint keys them by tfjs's names (${example}), ` +
      `which tfjs numbers per process in the order layers are created (elegy-ts keyed nn.LayersAdapter weights so before), while this model keys them ` +
      `by position and kind (${modelOnly[0]}), the same in every process. To load it, give the tf layers the checkpoint's names ` +
      `(tf.layers.…({ name: "${name}", … })) and build the adapter with new nn.LayersAdapter(tfModel, { layerKeys: "names" }), ` +
      `which keeps names as they are; it then loads, and saves under those names.`
    );
  }
  return (
    `These leaves differ only by tfjs's numbering of layers created without a name (${modelOnly[0]} here, ${checkpointOnly[0]} in the checkpoint): ` +
    `tfjs numbers them per process in the order layers are created. Give the tf layers names (name: in their options), ` +
    `or let nn.LayersAdapter key unnamed layers by position (its default layerKeys: "stable") when saving and loading.`
  );
}
