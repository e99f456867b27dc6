// A Keras-style table of a module: each layer, its output shape and parameter count.
// Runs the module once on `x` (inside a tidy), so shapes are real, not inferred.
import { checkOptionKeys, optionKeys } from "../options-check";
import { tf } from "../tf";
import { Module } from "../contracts";
import { RNG } from "../states";
import { StateTree, TensorTree, leaves } from "../tree";
import { MLP } from "./mlp";
import { isModule } from "./module";
import { Sequential } from "./sequential";

export interface SummaryRow {
  /** Key in the params tree (or the activation's name). */
  name: string;
  /** Class of the module, or "activation". */
  kind: string;
  /** Output shape with the batch axis shown as None, as Keras. */
  outputShape: string;
  params: number;
  /** Values in netStates (BatchNorm statistics), not trained by the optimizer. */
  stateValues: number;
}

export interface SummaryOptions {
  /** Use these params/states instead of initializing the module. */
  params?: TensorTree;
  states?: StateTree;
}

export const SUMMARY_OPTIONS = optionKeys<SummaryOptions>()(["params", "states"]);

const count = (tree: StateTree) => leaves(tree).reduce((n, t) => n + t.size, 0);

function shapeOf(y: TensorTree): string {
  const ls = leaves(y);
  const one = (t: tf.Tensor) => `(${["None", ...t.shape.slice(1)].join(", ")})`;
  return ls.length === 1 ? one(ls[0]) : `[${ls.map(one).join(", ")}]`;
}

/** The rows of the table: one per layer of a Sequential/MLP, else one for the module. */
export function summaryRows(module: Module, x: TensorTree, options: SummaryOptions = {}): SummaryRow[] {
  checkOptionKeys("nn.summaryRows", options, SUMMARY_OPTIONS);
  const rows: SummaryRow[] = [];
  tf.tidy(() => {
    const rng = new RNG(0);
    const created = options.params === undefined ? module.init(rng, x) : undefined;
    const params = options.params ?? created!.params;
    const states = options.states ?? created?.states ?? {};
    const ctx = { training: false, rng };
    const seq = module instanceof MLP ? module.sequential : module instanceof Sequential ? module : undefined;
    if (seq === undefined) {
      const [y] = module.apply(params, states, x, ctx);
      rows.push({ name: module.name, kind: module.constructor.name, outputShape: shapeOf(y), params: count(params), stateValues: count(states) });
      return;
    }
    let h = x;
    const p = params as Record<string, TensorTree>;
    const s = (states ?? {}) as Record<string, StateTree>;
    seq.layers.forEach((layer, i) => {
      if (!isModule(layer)) {
        h = layer(h as tf.Tensor);
        rows.push({ name: layer.name || "activation", kind: "activation", outputShape: shapeOf(h), params: 0, stateValues: 0 });
        return;
      }
      const key = seq.keys[i]!;
      [h] = layer.apply(p[key], s[key], h, ctx);
      rows.push({ name: key, kind: layer.constructor.name, outputShape: shapeOf(h), params: count(p[key]), stateValues: count(s[key]) });
    });
  });
  return rows;
}

/** The table as text, with totals. */
export function summary(module: Module, x: TensorTree, options: SummaryOptions = {}): string {
  checkOptionKeys("nn.summary", options, SUMMARY_OPTIONS);
  const rows = summaryRows(module, x, options);
  const header = ["Layer (type)", "Output shape", "Params"];
  const cells = rows.map((r) => [`${r.name} (${r.kind})`, r.outputShape, r.params.toLocaleString("en-US")]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)) + 2);
  const line = (row: string[]) => row.map((v, c) => (c === 2 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join("");
  const rule = (ch: string) => ch.repeat(widths.reduce((a, b) => a + b, 0));
  const params = rows.reduce((n, r) => n + r.params, 0);
  const stateValues = rows.reduce((n, r) => n + r.stateValues, 0);
  return [
    `Module: ${module.name}`,
    rule("="),
    line(header),
    rule("="),
    ...cells.map(line),
    rule("="),
    `Total params: ${params.toLocaleString("en-US")} (${(params * 4).toLocaleString("en-US")} bytes)`,
    `Non-trainable values (netStates): ${stateValues.toLocaleString("en-US")}`,
  ].join("\n");
}
