// The `backends` namespace in a page: the page's backend choice (webgpu → webgl → wasm → cpu),
// where the wasm backend finds its .wasm files, and the kernels elegy-ts adds to wasm.
export {
  ensureBackend, currentBackend, parsePageBackendName as parseBackendName, pageLoaders as loaders,
  PAGE_BACKEND_NAMES as BACKEND_NAMES, setWasmPaths, wasmPathsInUse,
} from "../backend/select/page";
export type { PageBackendChoice as BackendChoice, PageBackendName as BackendName } from "../backend/select/page";
export { applyWasmFixes } from "../backend/wasm/fixes";
export { nativeStatus as nativeKernelStatus } from "#platform/native";
export type { NativeStatus } from "../backend/native/addon";
