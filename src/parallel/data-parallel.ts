// fit(x, y, { replicas }): data-parallel training across worker threads, as TF's
// MirroredStrategy or PyTorch's DDP do across devices. Each train step's batch is cut into
// contiguous shards; the main thread runs the gradient step on the first, replicas on the
// others (at the same time), gradients are averaged weighted by rows, and the default
// trainStep applies the optimizer once, on the main thread, whose States stay the only truth:
// every step sends the replicas the current params (so callbacks that change the States,
// checkpoints and restores need nothing special).
import * as os from "node:os";
import { tf } from "../tf";
import { currentBackend } from "../backend";
import { nativeKernels } from "../backend/native/addon";
import { ElegyInputError } from "../errors";
import type { Injector } from "../injection/injector";
import type { StepRunner } from "../model/step-runner";
import type { GradReplication, StepCall } from "../model/step-context";
import type { GradResult } from "../model/step-results";
import type { States } from "../states";
import { TensorTree, collectTensors, leaves } from "../tree";
import { isRunning } from "../logs";
import { HostTree, sliceRows } from "../loop/host-data";
import { Command } from "./control";
import { MetricsMerge, ShardOutcome, combineShards, defaultMetricsMerge } from "./combine";
import { constructorExample, recipeFor } from "./model-recipe";
import { checkProbe } from "./probe";
import { currentReplica } from "./replica-context";
import { ReplicaGroup } from "./replica-group";
import type { CommandResult } from "./protocol";
import { Flat, Inbox, flatten, valuesOf } from "./tensor-transport";

/** What a Model hands over (model.ts's internals). */
export interface ReplicableInternals {
  readonly runner: StepRunner;
  readonly injector: Injector;
  readonly seed: number;
}

type ModelClass = abstract new (...args: never[]) => object;

export function checkReplicas(value: unknown): number {
  const cores = os.availableParallelism();
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > cores) {
    const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
    throw new ElegyInputError(
      `fit(): replicas must be a whole number from 1 to ${cores} (the cores os.availableParallelism() reports here), got ${shown}.`,
    );
  }
  return value;
}

/**
 * Runs `body` (the fit loop) with the threads of `replicas`, giving it the replication its
 * training steps pass to the dispatcher; with 1 replica, `body` runs as it is (no replication).
 */
export async function withReplicas<T>(
  model: object,
  internals: ReplicableInternals,
  baseClass: ModelClass,
  replicas: unknown,
  body: (replication: GradReplication | undefined) => Promise<T>,
): Promise<T> {
  const inside = currentReplica();
  if (inside) {
    throw new ElegyInputError(
      `fit() was called in a worker thread of a replica: ${inside.className}'s module runs a program when it is loaded. ` +
        "Replicas load that module to build the model; guard the program with if (require.main === module) { … }, " +
        "or move the model class into a module of its own.",
    );
  }
  const count = replicas === undefined ? 1 : checkReplicas(replicas);
  if (count === 1) return body(undefined);
  const { runner } = internals;
  const className = model.constructor.name;
  checkReplicable(internals, className);
  const recipe = recipeFor(model, internals.seed, baseFields(baseClass), baseClass);
  // The replicas take the cores: the native kernels' helper thread would only compete with them.
  const native = nativeKernels();
  const kernelThreads = native?.setThreads(1);
  try {
    const group = await ReplicaGroup.start(recipe, count, currentBackend()!.name);
    try {
      checkParts(group, runner.dispatcher.parts, className, internals.seed);
      const step = new DataParallelStep(group, runner, className, internals.seed);
      try {
        return await body((call, local, then) => step.grad(call, local, then));
      } finally {
        step.dispose();
      }
    } finally {
      await group.stop();
    }
  } finally {
    if (kernelThreads !== undefined) native!.setThreads(kernelThreads);
  }
}

/** Field names every Model instance has (its machinery): never copied to replicas. */
function baseFields(baseClass: ModelClass): Set<string> {
  return new Set(Object.keys(new (baseClass as unknown as new () => object)()));
}

/** What replicas cannot do, said before any thread starts. */
function checkReplicable(internals: ReplicableInternals, className: string): void {
  const d = internals.runner.dispatcher;
  const backend = currentBackend()?.name;
  if (backend !== "wasm" && backend !== "cpu") {
    throw new ElegyInputError(
      `fit(): replicas run on the wasm and cpu backends, which compute on one core each; this model runs on '${backend}', ` +
        "which uses every core already. Leave replicas out.",
    );
  }
  if (d.overridden("trainStep")) {
    throw new ElegyInputError(
      `fit(): replicas split each batch's gradient step across threads, but ${className} overrides @trainStep, which owns the ` +
        "whole step and cannot be split. Override @gradStep instead (replicas average its gradients, then the default " +
        "trainStep applies the optimizer), or train with replicas: 1.",
    );
  }
  const provided = internals.injector.provided;
  if (provided.length > 0) {
    throw new ElegyInputError(
      `fit(): replicas cannot give their worker threads the values of model.provide(${provided.map((n) => JSON.stringify(n)).join(", ")}). ` +
        "Build what the steps need in the model's constructor, or train with replicas: 1.",
    );
  }
  const summed = d.parts.loss?.sumReduced ?? [];
  if (summed.length > 0) {
    throw new ElegyInputError(
      `fit(): loss '${summed[0]}' sums over the batch (reduction "sum"); replicas average the shards' gradients weighted by rows, ` +
        'which is exact for losses that are means over samples. Use reduction "sum_over_batch_size" (the default), or train with replicas: 1.',
    );
  }
}

/** The replicas must have the parts the model has: parts passed as constructor options would be missing. */
function checkParts(group: ReplicaGroup, parts: StepRunner["dispatcher"]["parts"], className: string, seed: number): void {
  const ready = group.readies[0];
  for (const part of ["module", "loss", "metrics"] as const) {
    const here = parts[part] !== undefined;
    if (ready.parts[part] === here) continue;
    throw new ElegyInputError(
      `fit(): a replica built as new ${className}({ seed: ${seed} }) has ${ready.parts[part] ? "a" : "no"} ${part}, but this model has ` +
        `${here ? "one" : "none"}. Replicas are built by the class's constructor, so parts passed as options to new ${className}(…) ` +
        `are not there. Build every part in the constructor:\n${constructorExample(className)}`,
    );
  }
}

/** Row counts of the shards of a batch of `rows`: contiguous, as equal as possible (the first ones get the extra rows). */
export function shardRows(rows: number, shards: number): number[] {
  const base = Math.floor(rows / shards);
  return Array.from({ length: shards }, (_, i) => base + (i < rows % shards ? 1 : 0));
}

function hostViews(tree: TensorTree): HostTree {
  if (tree === undefined || tree === null) return undefined;
  if (tree instanceof tf.Tensor) return { data: valuesOf(tree), shape: tree.shape, dtype: tree.dtype as "float32" | "int32" | "bool" };
  if (Array.isArray(tree)) return tree.map(hostViews);
  return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, hostViews(v as TensorTree)]));
}

function sliceTensors<T extends TensorTree>(tree: T, start: number, end: number): T {
  if (tree === undefined || tree === null) return tree;
  if (tree instanceof tf.Tensor) return tf.slice(tree, [start], [end - start]) as unknown as T;
  if (Array.isArray(tree)) return tree.map((t) => sliceTensors(t, start, end)) as unknown as T;
  return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, sliceTensors(v as TensorTree, start, end)])) as unknown as T;
}

/**
 * The States fields a replica's step gets: all but the optimizer's (the main thread applies it),
 * the metric states (a replica starts its shard from zero) and the rng (sent as its state).
 */
function replicaFields(states: States): Record<string, unknown> {
  const fields: Record<string, unknown> = { ...states.fields() };
  for (const key of ["metricsStates", "optimizerStates", "rng"]) delete fields[key];
  return fields;
}

/** Parts sent as shapes only: the replica makes zeros of them. */
const ZERO_PARTS: ReadonlySet<string> = new Set(["metrics"]);

function inputName(part: string, path: string): string {
  switch (part) {
    case "fields": return `states${path}`;
    case "metrics": return `states.metricsStates${path}`;
    case "batch": return `the batch's ${path.slice(1)}`;
    default: return `${part}${path}`;
  }
}

/** The gradient step of one training batch, spread over the group. */
class DataParallelStep {
  private probed = false;
  private readonly merge: MetricsMerge | undefined;
  private readonly where: string;
  /** Per replica, the tensors its answers are copied into (index 0 unused: the main thread's own shard). */
  private readonly inboxes: Inbox[];

  constructor(
    private readonly group: ReplicaGroup,
    private readonly runner: StepRunner,
    private readonly className: string,
    private readonly seed: number,
  ) {
    const d = runner.dispatcher;
    this.merge = defaultMetricsMerge(d);
    this.where = d.overridden("gradStep") ? `${className}'s @gradStep` : `${className}'s gradient step`;
    this.inboxes = Array.from({ length: group.size }, () => new Inbox());
  }

  dispose(): void {
    for (const inbox of this.inboxes) inbox.dispose();
  }

  grad<R>(ctx: StepCall, local: (call: StepCall) => GradResult, then: (result: GradResult) => R): R {
    const first = leaves(ctx.x)[0] ?? leaves(ctx.yTrue)[0];
    const rows = first === undefined || first.rank === 0 ? 1 : first.shape[0];
    const shards = shardRows(rows, this.group.size);
    const active = shards.map((n, i) => i).filter((i) => i > 0 && shards[i] > 0);
    if (active.length === 0) return then(this.runLocal(ctx, local));

    const states = ctx.states;
    const rng = states.rng?.state ?? { seed: 0, counter: 0 };
    const starts = shards.map((_, i) => shards.slice(0, i).reduce((a, b) => a + b, 0));
    const fields = replicaFields(states);
    // Views of the batch are taken right before they are copied, with no tensor made in between (a growing wasm heap would detach them).
    const inputFor = (shard: number): Flat => {
      const [start, end] = [starts[shard], starts[shard] + shards[shard]];
      const batch = {
        x: sliceRows(hostViews(ctx.x), start, end),
        y: sliceRows(hostViews(ctx.yTrue), start, end),
        sampleWeight: sliceRows(hostViews(ctx.sampleWeight), start, end),
      };
      return flatten({ fields, metrics: states.metricsStates, batch, classWeight: ctx.classWeight, rng }, ZERO_PARTS, inputName);
    };

    const probing = !this.probed;
    if (probing) for (const i of active) this.group.send(i, Command.probe, inputFor(0));
    else for (const i of active) this.group.send(i, Command.step, inputFor(i));

    const mine = this.runLocal({ ...ctx, x: sliceTensors(ctx.x, 0, shards[0]), yTrue: sliceTensors(ctx.yTrue, 0, shards[0]), sampleWeight: sliceTensors(ctx.sampleWeight, 0, shards[0]) }, local);

    if (probing) {
      for (const i of active) checkProbe(mine, this.outcome(i, shards[0]), i, this.group.size, this.className, this.seed);
      this.probed = true;
      for (const i of active) this.group.send(i, Command.step, inputFor(i));
    }
    const outcomes = active.map((i) => this.outcome(i, shards[i]));
    return this.combineThen(ctx, mine, shards[0], outcomes, then);
  }

  /**
   * The batch's gradient step combined from the shards, and what the train step does with it
   * (`then`: the optimizer), as one step call of its own, replayed once recorded like any step:
   * the main thread's work after the shards is the part of a replicated step that no thread
   * shares, and op by op through tfjs's engine it cost more than its kernels. Its inputs are the
   * shards' results; the JavaScript values combineShards branches on are in its key.
   */
  private combineThen<R>(ctx: StepCall, local: GradResult, localRows: number, outcomes: ShardOutcome[], then: (result: GradResult) => R): R {
    const [, localLogs, localStates] = local;
    const inputs = {
      local,
      outcomes,
      running: Object.keys(localLogs).filter((name) => isRunning(localLogs[name])),
      metricsChanged: localStates.metricsStates !== ctx.states.metricsStates,
    };
    const call: StepCall = { ...ctx, x: inputs as unknown as TensorTree, yTrue: undefined, sampleWeight: undefined, classWeight: undefined, replication: undefined };
    const combine = () => then(combineShards(local, localRows, ctx.states, outcomes, this.merge, this.where));
    const result = this.runner.traced.run(call, combine, "its shards combined, then the optimizer", ctx);
    // A received tensor the step keeps as it is (not one of the default chain's) becomes the step's: the next answer gets a new one.
    const kept = collectTensors(result);
    for (const inbox of this.inboxes) inbox.release(kept);
    return result;
  }

  /**
   * The main thread's own gradient step, as the call under way (runStep sees its shard); replayed
   * once recorded, like any step (the call's replication is this, which the shard does not use).
   */
  private runLocal(shard: StepCall, local: (call: StepCall) => GradResult): GradResult {
    return this.runner.traced.run({ ...shard, replication: undefined }, () => this.runner.runAs(shard, local), "this thread's shard");
  }

  private outcome(index: number, rows: number): ShardOutcome {
    const { layout, buffer } = this.group.receive(index);
    const r = this.inboxes[index].fill(layout, buffer) as CommandResult;
    return { rows, loss: r.loss, logs: r.logs, running: r.running, grads: r.grads, metricsChanged: r.metricsChanged, metricsStates: r.metricsStates };
  }
}

