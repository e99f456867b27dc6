// Platform seam (see src/platform/README.md): backend selection in a web page — "auto" tries webgpu → webgl → wasm → cpu.
import type * as NodeSide from "../node/backend";
import { ensureBackend, currentBackend, plannedBackend } from "../../backend/select/page";

export { ensureBackend, currentBackend, plannedBackend };

// A model only awaits ensureBackend and reads the choice's names: the page's choice has those.
({ ensureBackend, currentBackend, plannedBackend }) satisfies { [K in keyof typeof NodeSide]: (...args: Parameters<(typeof NodeSide)[K]>) => unknown };
