// JSON.parse for text read from a checkpoint: nesting is bounded before parsing (so a hostile
// file is "nested too deeply", not a stack overflow), and keys that could reach a prototype
// are refused. Pure: no node modules (the browser build reuses it).
import { ElegyCheckpointError } from "../errors";

/** Object keys that could reach a prototype if a loader assigned them carelessly. */
export const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Deeper than any checkpoint elegy-ts writes (a States tree 50 levels deep), far below the stack. */
export const MAX_JSON_DEPTH = 128;

/** The deepest nesting of [ and { in `text`, outside strings; stops counting past `limit`. */
function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** Parses `text` (named `where` in errors), refusing deep nesting and prototype keys. */
export function parseCheckpointJson(text: string, where: string): unknown {
  if (nestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new ElegyCheckpointError(
      `${where} is nested too deeply (more than ${MAX_JSON_DEPTH} levels of [ and {); elegy-ts never writes that, so the checkpoint is corrupt or hostile. Refusing to load it.`,
    );
  }
  try {
    return JSON.parse(text, (key, value) => {
      if (FORBIDDEN_KEYS.has(key)) throw new ElegyCheckpointError(`${where} contains the key '${key}', which a checkpoint never has; refusing to load it.`);
      return value;
    });
  } catch (error) {
    if (error instanceof ElegyCheckpointError) throw error;
    throw new ElegyCheckpointError(`${where} is not valid JSON (${(error as Error).message}); the checkpoint is truncated or corrupt.`);
  }
}
