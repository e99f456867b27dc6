// An optimizer's per-step scalars in one kernel: from the step counter (int32) and the lr
// scale, the learning rate of this update, its 1-based number t (float32, for bias
// corrections), the next step counter and a copy of the scale for the next state — instead
// of Cast, Multiply, Add, Add and Identity (each a 5–20 µs launch on wasm, for one number).
// Float32 rounding as the composed ops.
import { HostKernel, registerHostKernel } from "./host-kernel";

export const OPTIMIZER_STEP = "ElegyOptimizerStep";

export interface OptimizerStepAttrs {
  /** The schedule's rate when it is a constant (ignored when a `rate` input is given). */
  rate: number;
}

/**
 * Inputs: step (int32 scalar), optional lrScale (float32 scalar), optional rate (float32
 * scalar: the schedule's value at this step). Outputs: [lr, t, nextStep] and, with lrScale,
 * nextLrScale.
 */
export const optimizerStepKernel: HostKernel<OptimizerStepAttrs> = {
  name: OPTIMIZER_STEP,
  outputs: ({ lrScale }) => [
    { shape: [], dtype: "float32" },
    { shape: [], dtype: "float32" },
    { shape: [], dtype: "int32" },
    ...(lrScale ? [{ shape: [], dtype: "float32" as const }] : []),
  ],
  compute: ({ step, lrScale, rate }, [lr, t, nextStep, nextLrScale], attrs) => {
    const base = rate ? rate.values[0] : Math.fround(attrs.rate);
    lr[0] = lrScale ? Math.fround(base * lrScale.values[0]) : base;
    t[0] = Math.fround(Math.fround(step.values[0]) + 1);
    nextStep[0] = step.values[0] + 1;
    if (lrScale) nextLrScale[0] = lrScale.values[0];
  },
};

registerHostKernel(optimizerStepKernel);
