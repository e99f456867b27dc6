// How commands show a path: relative to the working folder when it lies inside it, else absolute.
import * as path from "node:path";

export function displayPath(file: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}
