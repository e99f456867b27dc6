// Platform seam (see src/platform/README.md): replicas are worker threads of Node; in a page fit
// runs on the page's thread, and asking for more than one replica says so.
import type * as NodeSide from "../node/replicas";
import { needsNode } from "../needs-node";

export async function withReplicas<T>(
  _model: object,
  _internals: unknown,
  _baseClass: unknown,
  replicas: unknown,
  body: (replication: undefined) => Promise<T>,
): Promise<T> {
  if (replicas !== undefined && replicas !== 1) {
    throw needsNode(`fit({ replicas: ${String(replicas)} })`, "Train with one replica in the page (leave out `replicas`), or run the same model under Node to use several cores.");
  }
  return body(undefined);
}

({ withReplicas }) satisfies typeof NodeSide;
