// Runs a function with the gradient tape paused, as Keras computes metrics and loss trackers
// outside its GradientTape: their ops then cost no tape node, no saved-tensor clones, and
// nothing for the backward pass to filter. tfjs pauses its tape the same way while a kernel
// runs (kernelDepth > 0 turns recording off); gradients of what `fn` returns are zero.
import { tf } from "../tf";

interface EngineState {
  kernelDepth: number;
}

function engineState(): EngineState {
  return (tf.engine() as unknown as { state: EngineState }).state;
}

export function untaped<T>(fn: () => T): T {
  const state = engineState();
  state.kernelDepth++;
  try {
    return fn();
  } finally {
    state.kernelDepth--;
  }
}
