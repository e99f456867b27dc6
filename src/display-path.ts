// How paths are shown in messages and diagnostics: relative to the working folder when they lie
// inside it, else absolute; with forward slashes, as tsc prints them. Dependency-free, so the
// transformer (inside the compiler) and the command line share it.
import * as path from "node:path";

export function displayPath(file: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, file);
  const shown = relative === "" || relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
  return shown.split(path.sep).join("/");
}
