// summary() of a model whose steps are its own (no module): there are no layers to run, so it
// lists the leaves those steps created in states.netParams (trained) and states.netStates
// (kept, not trained) by path, with shapes, dtypes and value counts, and the totals.
import { tf } from "../tf";
import { States } from "../states";
import { StateTree, leafPaths } from "../tree";

const BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

interface Row {
  path: string;
  shape: string;
  dtype: string;
  values: number;
}

function rowsOf(prefix: string, tree: StateTree | undefined): Row[] {
  if (tree === undefined) return [];
  return leafPaths(tree).map(([path, t]) => ({
    path: path === "" ? prefix : `${prefix}.${path.split("/").join(".")}`,
    shape: `[${t.shape.join(", ")}]`,
    dtype: t.dtype,
    values: t.size,
  }));
}

const total = (rows: Row[]) => rows.reduce((n, r) => n + r.values, 0);
const bytes = (tree: StateTree | undefined) =>
  tree === undefined ? 0 : leafPaths(tree).reduce((n, [, t]) => n + t.size * (BYTES[t.dtype] ?? 4), 0);
const number = (n: number) => n.toLocaleString("en-US");

/** The table as text: one row per leaf, then the totals (as nn.summary's, for a module). */
export function leafSummary(className: string, states: States): string {
  const params = rowsOf("netParams", states.netParams);
  const kept = rowsOf("netStates", states.netStates);
  const header = ["Leaf", "Shape", "Dtype", "Values"];
  const cells = [...params, ...kept].map((r) => [r.path, r.shape, r.dtype, number(r.values)]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c].length)) + 2);
  const line = (row: string[]) => row.map((v, c) => (c === 3 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join("");
  const rule = (ch: string) => ch.repeat(widths.reduce((a, b) => a + b, 0));
  return [
    `Model: ${className} (its own steps: the leaves of states.netParams and states.netStates)`,
    rule("="),
    line(header),
    rule("="),
    ...(cells.length === 0 ? ["(no leaves: the steps keep no parameters in the States)"] : cells.map(line)),
    rule("="),
    `Total params: ${number(total(params))} (${number(bytes(states.netParams))} bytes)`,
    `Non-trainable values (netStates): ${number(total(kept))}`,
  ].join("\n");
}
