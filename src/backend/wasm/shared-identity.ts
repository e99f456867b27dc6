// Identity, and Cast to the dtype a tensor already has, without copying: the output shares
// the input's heap buffer (reference counted), as tfjs-cpu does. wasm's own kernels copy the
// whole buffer, and tfjs calls Identity for every tensor the gradient tape saves, so a
// training step paid one memcpy per saved activation.
import { tf } from "../../tf";
import { KernelFunc, TensorInfo, WasmBackend } from "./kernel-types";

function share(x: TensorInfo, backend: WasmBackend): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function sharedIdentity(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === "string") return original(args);
    return share(x, args.backend as unknown as WasmBackend);
  };
}

export function sharedSameTypeCast(original: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
    if (x.dtype !== dtype || dtype === "string" || dtype === "complex64") return original(args);
    return share(x, args.backend as unknown as WasmBackend);
  };
}
