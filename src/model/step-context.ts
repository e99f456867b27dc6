// The values one step call sees: the built-in injectables of API.md §3.
import { tf } from "../tf";
import { States } from "../states";
import { TensorTree } from "../tree";

export interface StepContext {
  readonly x: TensorTree;
  readonly yTrue: TensorTree | undefined;
  readonly sampleWeight: tf.Tensor | undefined;
  readonly classWeight: tf.Tensor | undefined;
  readonly states: States;
  readonly initializing: boolean;
  readonly training: boolean;
}

/** The phase flags of API.md §3: init (true, true), fit (false, true), evaluate/predict (false, false). */
export const PHASE_FLAGS = {
  init: { initializing: true, training: true },
  fit: { initializing: false, training: true },
  evaluate: { initializing: false, training: false },
  predict: { initializing: false, training: false },
} as const;
export type Phase = keyof typeof PHASE_FLAGS;
