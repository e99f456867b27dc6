// The messages between the main thread and a replica's worker thread. Both sides import this
// file; neither imports the other (the worker entry is only ever loaded as a thread).
import type { MessagePort } from "node:worker_threads";
import type { tf } from "../tf";
import type { StateTree, TensorTree } from "../tree";
import type { ReplicaRecipe } from "./model-recipe";
import type { SerializedError } from "./replica-errors";
import type { Layout } from "./tensor-transport";

/** The workerData a replica's thread starts with. */
export interface ReplicaStartup {
  readonly recipe: ReplicaRecipe;
  /** The backend the main thread runs on (its concrete name, e.g. "wasm"). */
  readonly backend: string;
  readonly index: number;
  readonly count: number;
  readonly control: Int32Array;
  readonly port: MessagePort;
}

/** What the main thread learns once a replica is built, to check it matches the model. */
export interface ReadyMessage {
  readonly type: "ready";
  readonly parts: Record<"module" | "loss" | "metrics" | "optimizer", boolean>;
  readonly overridden: string[];
}

/** A replica that could not be built (sent instead of ReadyMessage). */
export interface FailedMessage {
  readonly type: "failed";
  readonly error: SerializedError;
}

/** Main → replica, on its port: the layout of the shared input buffer changed. */
export interface InputMail {
  readonly layout: Layout;
  readonly buffer: SharedArrayBuffer;
}

/** Replica → main, on its port: the layout of its result buffer changed, or its command failed. */
export type ReplicaMail = { type: "layout"; layout: Layout; buffer: SharedArrayBuffer } | { type: "error"; error: SerializedError };

/** One command's input, as the main thread lays it out in the shared buffer. */
export type CommandInput = {
  fields: Record<string, unknown>;
  metrics: TensorTree;
  batch: { x: TensorTree; y: TensorTree; sampleWeight: tf.Tensor | undefined };
  classWeight: tf.Tensor | undefined;
  rng: { seed: number; counter: number };
};

/** One command's result, as the replica lays it out in its result buffer. */
export type CommandResult = {
  loss: tf.Scalar;
  grads: TensorTree;
  logs: Record<string, tf.Tensor | number>;
  running: string[];
  metricsChanged: boolean;
  metricsStates: StateTree;
};
