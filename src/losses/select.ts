// The `on` option of losses and metrics (as in Elegy): picks one output of a nested yTrue/yPred.
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { TensorTree, describeTree, isPlainObject, isTensor } from "../tree";

/** A key, an index, or a path of them: "label", 0, ["heads", "age"]. */
export type Path = string | number | readonly (string | number)[];

/** The subtree of `tree` at `path`; the whole tree when path is undefined. */
export function selectPath(tree: TensorTree, path: Path | undefined, what: string): TensorTree {
  if (path === undefined) return tree;
  const keys = Array.isArray(path) ? path : [path as string | number];
  let node: unknown = tree;
  for (const key of keys) {
    const child = Array.isArray(node) ? node[key as number] : isPlainObject(node) ? node[key] : undefined;
    if (child === undefined) {
      throw new ElegyInputError(`on: ${JSON.stringify(path)} does not exist in ${what} ${describeTree(tree)} (no '${key}').`);
    }
    node = child;
  }
  return node as TensorTree;
}

/** `tree` at `path`, which must be a single Tensor. */
export function selectTensor(tree: TensorTree, path: Path | undefined, what: string, owner: string): tf.Tensor {
  const picked = selectPath(tree, path, what);
  if (!isTensor(picked)) {
    throw new ElegyInputError(
      `${owner} needs ${what} to be a Tensor but it is ${describeTree(picked)}. ` +
        `For nested outputs, choose one with the 'on' option (e.g. { on: "output" }).`,
    );
  }
  return picked;
}
