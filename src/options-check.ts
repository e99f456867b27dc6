// Refusing unknown keys of an options object, for every public factory and constructor: plain
// JavaScript (or `as any`) would otherwise drop a misspelt key silently, and a model would train
// with the default instead (Keras' `from_logits`, `learning_rate`). Depends only on errors and
// suggest, so any layer (losses, metrics, optimizers, callbacks, nn, model) can import it.
import { ElegyInputError } from "./errors";
import { closestName, didYouMean } from "./suggest";

/** `from_logits` → `fromLogits`: Keras' snake_case spelling of one of our camelCase names. */
export function snakeToCamel(name: string): string {
  return name.replace(/_+([a-zA-Z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * Names Keras (or tf.keras) gives options that we spell differently, which neither the
 * snake → camel conversion nor an edit distance finds. Only used when the mapped name is valid.
 */
const KERAS_NAMES: Readonly<Record<string, readonly string[]>> = {
  lr: ["learningRate"],
  path: ["file", "filepath", "logDir"],
  filename: ["file", "filepath"],
};

/** The valid option `key` most plausibly stands for, or undefined. */
export function closestOption(key: string, valid: readonly string[]): string | undefined {
  const camel = snakeToCamel(key);
  const exact = valid.find((name) => name === camel || name.toLowerCase() === camel.toLowerCase());
  if (exact !== undefined) return exact;
  const renamed = KERAS_NAMES[key]?.find((name) => valid.includes(name));
  return renamed ?? closestName(key, valid);
}

/**
 * Throws on the first key of `options` not in `valid`: "<method>() got an unknown option 'x'.
 * Did you mean 'y'? Valid options: a, b." `more`: what else is valid that `valid` cannot list
 * (a subclass's own constructor options), worded to follow the list. Numbers, functions and
 * other non-objects are the caller's business (e.g. `adam(1e-3)`); undefined and null pass.
 */
export function checkOptionKeys(method: string, options: unknown, valid: readonly string[], more = ""): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object") {
    throw new ElegyInputError(`${method}() takes an options object as its last argument, got ${typeof options}.`);
  }
  for (const key of Object.keys(options)) {
    if (valid.includes(key)) continue;
    throw new ElegyInputError(
      `${method}() got an unknown option '${key}'.${didYouMean(closestOption(key, valid))} Valid options: ${valid.join(", ")}${more}.`,
    );
  }
}

/**
 * The key list of an options interface, checked both ways by the compiler: `optionKeys<FooOptions>()(["a", "b"])`
 * refuses a name `FooOptions` lacks, and (as `{ unlisted: … }` in the error) any key of it the list leaves out.
 */
export function optionKeys<T>() {
  return <const List extends readonly (keyof T & string)[]>(
    list: List & ([Exclude<keyof T, List[number]>] extends [never] ? unknown : { unlisted: Exclude<keyof T, List[number]> }),
  ): List => list;
}
