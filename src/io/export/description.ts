// A module described as a tfjs-layers model: tfjs-layers' own JSON of the equivalent model
// (what model.json calls `modelTopology`) and, for each of its weights, the States leaf that
// holds the value. A checkpoint records one, so a checkpoint alone can be exported. Read back
// from a file, a description is data to check, never code.
import { isPlainObject } from "../../tree";
import { FORBIDDEN_KEYS } from "../states-codec";

export const DESCRIPTION_FORMAT = "tfjs-layers";

/** Where one tfjs weight's value lives: its name in the tfjs model and its path in the States. */
export interface WeightSource {
  /** The weight's name in tfjs-layers (`linear_1/kernel`), as in model.json's weightsManifest. */
  name: string;
  /** Keys from the States down to the tensor: ["netParams", "linear_1", "kernel"]. */
  path: string[];
}

export interface ModuleDescription {
  format: typeof DESCRIPTION_FORMAT;
  /** tfjs-layers' JSON of the model (`model.toJSON(null, false)`): class_name, config, keras_version, backend. */
  modelTopology: Record<string, unknown>;
  weights: WeightSource[];
}

/** What a checkpoint records about its module: a description, or why there can be none. */
export type ModuleRecord = { description: ModuleDescription } | { unexportable: string };

const STATE_FIELDS = new Set(["netParams", "netStates"]);
const MAX_WEIGHTS = 1_000_000;
const MAX_DEPTH = 64;

/** Checks a description read from a file; returns a problem, or undefined when it is well formed. */
export function descriptionProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return "it is not an object";
  if (value.format !== DESCRIPTION_FORMAT) return `its format is ${JSON.stringify(value.format)}, expected "${DESCRIPTION_FORMAT}"`;
  if (!isPlainObject(value.modelTopology) || typeof value.modelTopology.class_name !== "string") {
    return "modelTopology is not a tfjs-layers model JSON (an object with class_name and config)";
  }
  if (!Array.isArray(value.weights) || value.weights.length > MAX_WEIGHTS) return "weights is not a list of weight sources";
  const names = new Set<string>();
  for (const [i, w] of (value.weights as unknown[]).entries()) {
    if (!isPlainObject(w) || typeof w.name !== "string" || w.name.length === 0) return `weight ${i} has no name`;
    if (names.has(w.name)) return `the weight name '${w.name}' appears twice`;
    names.add(w.name);
    const path = w.path;
    if (!Array.isArray(path) || path.length < 2 || path.length > MAX_DEPTH || !path.every((k) => typeof k === "string" && k.length > 0)) {
      return `weight '${w.name}' has an invalid path`;
    }
    if (!STATE_FIELDS.has(path[0] as string)) return `weight '${w.name}' points into ${JSON.stringify(path[0])}, not netParams or netStates`;
    const bad = (path as string[]).find((k) => FORBIDDEN_KEYS.has(k));
    if (bad !== undefined) return `weight '${w.name}' has the key '${bad}' in its path`;
  }
  return undefined;
}

/** Checks a module record read from a file; returns a problem, or undefined. */
export function moduleRecordProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return "it is not an object";
  if ("unexportable" in value) return typeof value.unexportable === "string" ? undefined : "unexportable is not a text";
  const problem = descriptionProblem(value.description);
  return problem && `its description is not valid: ${problem}`;
}
