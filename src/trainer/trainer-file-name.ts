// Where a compiled model's trainer module goes. Dependency-free: the transformer uses it too.
import * as path from "node:path";

/** `model.js` → `model.trainer.js` (and `.mjs`/`.cjs` alike). */
export function trainerFileName(modelFile: string): string {
  const ext = path.extname(modelFile);
  return `${modelFile.slice(0, -ext.length)}.trainer${ext}`;
}
