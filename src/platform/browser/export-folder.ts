// Platform seam (see src/platform/README.md): in a page there are no folders to export into.
import type * as NodeSide from "../node/export-folder";
import type { tf } from "../../tf";
import { needsNode } from "../needs-node";

export async function writeLayersFolder(dir: string, _artifacts: tf.io.ModelArtifacts): Promise<string[]> {
  throw needsNode(
    `Exporting to the folder '${dir}'`,
    "Export from Node (model.export or elegy-ts export) and serve the folder; a page loads it with tf.loadLayersModel(url).",
  );
}

({ writeLayersFolder }) satisfies typeof NodeSide;
