// Platform seam (see src/platform/README.md): the native kernel addon, loaded on first use in Node.
export { nativeKernels, nativeStatus } from "../../backend/native/addon";
