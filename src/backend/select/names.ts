// The backend names Node's selection accepts, apart from its loading code, so that @trainer's
// option check (which also runs in a page) does not pull that code into a browser bundle.
export const BACKEND_NAMES = ["auto", "cuda", "native", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
