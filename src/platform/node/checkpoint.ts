// Platform seam (see src/platform/README.md): checkpoints are folders on disk in Node.
export { saveCheckpoint, loadCheckpoint } from "../../io/checkpoint";
