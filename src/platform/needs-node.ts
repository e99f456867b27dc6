// The error a Node-only feature raises in a web page: what was called, why it cannot run there,
// and what to do instead.
import { ElegyPlatformError } from "../errors";

export function needsNode(what: string, instead: string): ElegyPlatformError {
  return new ElegyPlatformError(`${what} needs Node and is not available in a web page (elegy-ts's browser build). ${instead}`);
}
