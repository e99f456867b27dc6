// The values one step call sees (the built-in injectables), and the call that carries them
// from the StepRunner down to the user's method: what the call is for, the inputs every step
// of one public call shares. Nothing here is stored between calls.
import { tf } from "../tf";
import { States } from "../states";
import { TensorTree } from "../tree";
import type { GradResult } from "./step-results";

export interface StepContext {
  readonly x: TensorTree;
  readonly yTrue: TensorTree | undefined;
  readonly sampleWeight: tf.Tensor | undefined;
  readonly classWeight: tf.Tensor | undefined;
  readonly states: States;
  readonly initializing: boolean;
  readonly training: boolean;
}

/** The phase flags: init (true, true), fit (false, true), evaluate/predict (false, false). */
export const PHASE_FLAGS = {
  init: { initializing: true, training: true },
  fit: { initializing: false, training: true },
  evaluate: { initializing: false, training: false },
  predict: { initializing: false, training: false },
} as const;
export type Phase = keyof typeof PHASE_FLAGS;

/** The public call a step runs for: it words the messages, and the init chain depends on it. */
export type Purpose = "initialize" | "fit" | "evaluate" | "predict" | "apply";

/**
 * Serves the gradient step of training calls instead of `local` (data-parallel training,
 * src/parallel), and hands the batch's combined gradient step to `then`, the rest of the train
 * step: the combination and `then` together may run as one replayed program.
 */
export type GradReplication = <R>(call: StepCall, local: (call: StepCall) => GradResult, then: (result: GradResult) => R) => R;

/** What every step of one public call (a fit, an evaluate, …) shares; made once per call, not per batch. */
export interface CallInputs {
  /** tfjs's name for the backend the call runs on: each step checks that it is still the active one (backend-check.ts). */
  readonly backend: string;
  /** The fit's (or init's, or trainOnBatch's) class weights, injected into every step of it. */
  readonly classWeight: tf.Tensor | undefined;
  /** During a fit with replicas: how its gradient steps are spread over the replicas. */
  readonly replication: GradReplication | undefined;
}

/** The inputs of a call without class weights or replicas (evaluate, predict, testOnBatch, …). */
export function plainInputs(backend: string): CallInputs {
  return { backend, classWeight: undefined, replication: undefined };
}

/** One step call as it travels from the StepRunner to the user's method: the injectables and what they are for. */
export interface StepCall extends StepContext {
  readonly purpose: Purpose;
  readonly replication: GradReplication | undefined;
}
