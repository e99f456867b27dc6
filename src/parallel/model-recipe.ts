// How a worker thread builds a replica of the model: parts (modules, losses, optimizers) are
// objects with functions and cannot cross threads, so the replica is built from the model's
// class — found by module in require.cache — as `new Cls({ seed })`; the class builds its own
// parts in its constructor. The model's own plain-data fields (e.g. `maxNorm = 1`) are copied.
import { ElegyInputError } from "../errors";

export interface ReplicaRecipe {
  readonly className: string;
  /** The CommonJS module that exports the class. */
  readonly filename: string;
  /** The export's name; undefined when the module's exports are the class itself. */
  readonly exportName: string | undefined;
  readonly options: { readonly seed: number };
  /** The model's own plain-data fields, assigned to the replica after construction. */
  readonly fields: Record<string, unknown>;
}

type Ctor = abstract new (...args: never[]) => object;

/** The constructor shape replicas need, for error messages. */
export function constructorExample(className: string): string {
  return (
    `export class ${className} extends Model {\n` +
    "  constructor(options: ModelOptions = {}) {\n" +
    "    super({ module: new nn.Sequential([…]), loss: …, metrics: …, optimizer: …, ...options });\n" +
    "  }\n" +
    "}"
  );
}

/** Where a class is exported from: the first CommonJS module in require.cache whose exports hold it. */
export function findExport(cls: Ctor): { filename: string; exportName: string | undefined } | undefined {
  let fallback: { filename: string; exportName: string | undefined } | undefined;
  for (const [filename, mod] of Object.entries(require.cache)) {
    const exports = mod?.exports as unknown;
    if (exports === undefined || exports === null) continue;
    let found: { filename: string; exportName: string | undefined } | undefined;
    if (exports === cls) found = { filename, exportName: undefined };
    else if (typeof exports === "object" || typeof exports === "function") {
      for (const key of Object.keys(exports as object)) {
        let value: unknown;
        try {
          value = (exports as Record<string, unknown>)[key];
        } catch {
          continue; // a throwing getter is not our class
        }
        if (value === cls) {
          found = { filename, exportName: key };
          break;
        }
      }
    }
    if (!found) continue;
    // The program's entry script is the last resort: a replica loading it runs its top-level code again.
    if (require.main?.filename !== filename) return found;
    fallback ??= found;
  }
  return fallback;
}

/** Plain data (what structured clone copies faithfully): primitives, arrays and plain objects of them. */
function isPlainData(value: unknown, depth = 0): boolean {
  if (value === null || value === undefined) return true;
  const type = typeof value;
  if (type === "number" || type === "string" || type === "boolean" || type === "bigint") return true;
  if (depth > 8 || type !== "object") return false;
  if (Array.isArray(value)) return value.every((v) => isPlainData(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value as object).every((v) => isPlainData(v, depth + 1));
}

/**
 * The recipe of a replica of `model`. `baseFields` are the field names every Model has (its
 * machinery, never copied).
 */
export function recipeFor(model: object, seed: number, baseFields: ReadonlySet<string>, baseClass: Ctor): ReplicaRecipe {
  const cls = model.constructor as Ctor;
  const className = cls.name || "the model class";
  if (cls === baseClass) {
    throw new ElegyInputError(
      "fit(): replicas rebuild the model in worker threads from its class, but this model is a plain Model whose " +
        "module, loss and optimizer were passed to the constructor (objects with functions cannot be sent to other threads). " +
        `Declare a class that builds its own parts and export it from its module:\n${constructorExample("MyModel")}\n` +
        "then create it with new MyModel({ seed }).",
    );
  }
  const where = findExport(cls);
  if (!where) {
    throw new ElegyInputError(
      `fit(): replicas rebuild the model in worker threads from its class, but ${className} is not exported from any loaded ` +
        "CommonJS module, so a worker cannot load it. Export the class from its module (compiled to CommonJS, as elegy-ts build does):\n" +
        constructorExample(className),
    );
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(model)) {
    if (baseFields.has(key) || typeof value === "function" || !isPlainData(value)) continue;
    fields[key] = value;
  }
  return { className, filename: where.filename, exportName: where.exportName, options: { seed }, fields };
}
