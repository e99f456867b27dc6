// Platform seam (see src/platform/README.md): backend selection in Node — "auto" tries cuda → native → wasm → cpu.
export { ensureBackend, currentBackend, plannedBackend } from "../../backend/select/select";
