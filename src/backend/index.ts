// The backend layer, by concern:
//   select/   which tfjs backend runs (auto → cuda → native → wasm → cpu) and why;
//   wasm/     correctness and speed fixes to tfjs-backend-wasm's own kernels;
//   kernels/  elegy's fused kernels for wasm and cpu (Adam, bias+ReLU, losses, metrics);
//   native/   the optional C++ addon (native/*.cc) and the wasm kernels it serves.
export { ensureBackend, currentBackend, parseBackendName, loaders, BACKEND_NAMES } from "./select/select";
export type { BackendChoice, BackendLoader, BackendName } from "./select/select";
export type { AutoChoice, Skipped } from "./select/first-that-loads";
export { applyWasmFixes } from "./wasm/fixes";
export { nativeStatus as nativeKernelStatus } from "./native/addon";
export type { NativeStatus } from "./native/addon";
