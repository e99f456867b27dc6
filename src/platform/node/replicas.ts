// Platform seam (see src/platform/README.md): data-parallel fit on worker threads.
export { withReplicas } from "../../parallel/data-parallel";
