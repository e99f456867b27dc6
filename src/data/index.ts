// The `datasets` namespace (API.md §7).
import { mnist, mnistArrays } from "./mnist";

export const datasets = { mnist, mnistArrays };
export type { MnistOptions, MnistArrays, MnistSplit } from "./mnist";
