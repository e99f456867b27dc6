// Platform seam (see src/platform/README.md): a page has no folders to export into; the
// tfjs-layers artifacts go to the tfjs IO handler of the URL instead — downloads://name (model.json
// and its weights as downloads), indexeddb://name, localstorage://name — which
// tf.loadLayersModel loads back (from IndexedDB) or a server serves (the downloaded files).
import type * as NodeSide from "../node/export-folder";
import { tf } from "../../tf";
import { ElegyInputError } from "../../errors";
import { needsNode } from "../needs-node";

export async function writeLayersFolder(dir: string, artifacts: tf.io.ModelArtifacts): Promise<string[]> {
  const [handler] = /^[a-z][a-z0-9+.-]*:\/\//i.test(dir) ? tf.io.getSaveHandlers(dir) : [];
  if (!handler?.save) {
    throw needsNode(
      `Exporting to the folder '${dir}'`,
      "In a page, export to downloads://name or indexeddb://name (tfjs's IO handlers); or export from Node (model.export or elegy-ts export) and serve the folder.",
    );
  }
  const result = await handler.save(artifacts);
  if (result.errors?.length) throw new ElegyInputError(`Exporting to ${dir} failed: ${result.errors.join("; ")}`);
  return [dir];
}

({ writeLayersFolder }) satisfies typeof NodeSide;
