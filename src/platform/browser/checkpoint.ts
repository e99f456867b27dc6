// Platform seam (see src/platform/README.md): in a page there are no folders; checkpoints go
// through tfjs's IO handlers (indexeddb://, downloads://).
import type * as NodeSide from "../node/checkpoint";
import type { Checkpoint, CheckpointInfo } from "../../io/checkpoint-codec";
import type { States } from "../../states";
import { needsNode } from "../needs-node";

const INSTEAD = "In a page, save to a URL that tfjs's IO handlers understand (indexeddb://name or downloads://name), or save from Node.";

export async function saveCheckpoint(dir: string, _states: States, _info: CheckpointInfo): Promise<void> {
  throw needsNode(`Saving a checkpoint to the folder '${dir}'`, INSTEAD);
}

export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  throw needsNode(`Loading a checkpoint from the folder '${dir}'`, INSTEAD);
}

({ saveCheckpoint, loadCheckpoint }) satisfies typeof NodeSide;
