// Platform seam (see src/platform/README.md): the native kernels are a Node addon; a page has none,
// and the kernels that would use them run on the backend's own (or elegy-ts's JS) kernels.
import type * as NodeSide from "../node/native";
import type { NativeKernels, NativeStatus } from "../../backend/native/addon";

export function nativeKernels(): NativeKernels | undefined {
  return undefined;
}

export function nativeStatus(): NativeStatus {
  return {
    loaded: false, simd: false, isa: "", threads: 0,
    detail: "the native kernels are a Node addon and need Node; in a web page the backend's own kernels run (webgpu, webgl, wasm or cpu)",
  };
}

({ nativeKernels, nativeStatus }) satisfies typeof NodeSide;
