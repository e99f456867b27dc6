// The `datasets` namespace (docs/trainer-and-cli.md).
import { mnist, mnistArrays } from "./mnist";

export const datasets = { mnist, mnistArrays };
export type { MnistOptions, MnistArrays, MnistSplit } from "./mnist";
