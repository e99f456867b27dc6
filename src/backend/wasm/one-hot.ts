// OneHot with a dtype other than int32 on wasm: wasm's kernel writes int32 values whatever the
// requested dtype, so a float32 one-hot read back as 1.4e-45 instead of 1. Computed as int32,
// then cast.
import { tf } from "../../tf";
import { KernelFunc, TensorInfo, WasmBackend } from "./kernel-types";

export function wasmOneHot(original: KernelFunc): KernelFunc {
  return (args) => {
    const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
    if (dtype === "int32") return original(args);
    const ints = original({ ...args, attrs: { ...args.attrs, dtype: "int32" } as never }) as TensorInfo;
    try {
      return tf.getKernel("Cast", "wasm")!.kernelFunc({ inputs: { x: ints }, attrs: { dtype } as never, backend: args.backend });
    } finally {
      (args.backend as unknown as WasmBackend).disposeData(ints.dataId);
    }
  };
}
