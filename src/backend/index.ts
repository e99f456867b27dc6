// Backend selection and the wasm backend's kernel fixes.
export { ensureBackend, currentBackend, parseBackendName, loaders, BACKEND_NAMES } from "./select";
export type { BackendChoice, BackendLoader, BackendName } from "./select";
export { applyWasmFixes } from "./wasm-fixes";
export { nativeStatus as nativeKernelStatus } from "./native";
export type { NativeStatus } from "./native";
