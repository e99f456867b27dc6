// Model ↔ checkpoint folder: what save records (class, init batch spec, epoch) and the checks
// every load path runs (loadWeights, Model.load, fit({ resume }), the trainer's --resume):
// the class name, then the architecture leaf by leaf. A model that is not initialized first
// builds its own states from the checkpoint's recorded input spec (its init chain on a batch
// of zeros), so a checkpoint is compared with this model's architecture before it replaces
// anything — and the comparison's states are freed, whatever happens.
import { tf } from "../tf";
import { ElegyCheckpointError, ElegyInputError } from "../errors";
import { States } from "../states";
import type { Checkpoint } from "../io/checkpoint-codec";
import { loadCheckpoint, saveCheckpoint } from "#platform/checkpoint"; // folders in Node, IO handlers in a page
import { ARCHITECTURE_FIELDS, LeafTables, leafDifferences, leafTables, zerosOf } from "../io/architecture";
import { numberingHint } from "../nn/layer-keys";
import { plainInputs } from "./step-context";
import { StepRunner } from "./step-runner";

export interface LoadOptions {
  /**
   * Load a checkpoint saved from another model class (its states must still match this
   * model's leaf by leaf). By default a class-name mismatch is refused.
   */
  allowOtherClass?: boolean;
}

export const LOAD_OPTIONS = ["allowOtherClass"] as const;

/** How many differing leaves an error lists. */
const SHOWN_DIFFERENCES = 5;

/** `module`: the module's description for `elegy-ts export` (io/export), recorded as it is. */
export async function saveModel(runner: StepRunner, className: string, dir: string, module?: unknown): Promise<void> {
  await saveCheckpoint(dir, runner.states, {
    className,
    epoch: runner.completedEpochs,
    input: runner.initSpec?.input ?? null,
    target: runner.initSpec?.target ?? null,
    ...(module === undefined ? {} : { module }),
  });
}

/**
 * Loads `dir` into the runner after every check passed; on any failure the model is unchanged.
 * `backend`: tfjs's name for the backend of the loading call (a model not initialized yet runs its init chain on it).
 */
export async function loadIntoModel(
  runner: StepRunner, className: string, dir: string, backend: string, options: LoadOptions = {},
  /** fit({ resume }): the epoch it was told to start at, which must be the checkpoint's. */
  resumeAt?: number,
): Promise<void> {
  const checkpoint = await loadCheckpoint(dir);
  try {
    if (checkpoint.className !== className && options.allowOtherClass !== true) {
      throw new ElegyCheckpointError(
        `The checkpoint at ${dir} was saved from a ${checkpoint.className}, not a ${className}. Load it with ${checkpoint.className}.load(dir), ` +
          `or pass { allowOtherClass: true } to load it into this ${className} anyway (its states must still match leaf by leaf).`,
      );
    }
    if (resumeAt !== undefined && resumeAt !== checkpoint.epoch) {
      throw new ElegyInputError(
        `fit(): initialEpoch ${resumeAt} conflicts with resume: the checkpoint at ${dir} has completed ${checkpoint.epoch} epoch(s), ` +
          `and a resumed fit starts where it stopped, at epoch ${checkpoint.epoch}. Leave initialEpoch out (or pass initialEpoch: ${checkpoint.epoch}).`,
      );
    }
    if (runner.initialized) checkArchitecture(runner.states, checkpoint, className, dir);
    else compareWithOwnInit(runner, checkpoint, className, dir, backend);
  } catch (error) {
    tf.dispose([...checkpoint.states.tensors()]);
    throw error;
  }
  runner.replaceStates(checkpoint.states);
  runner.completedEpochs = checkpoint.epoch;
}

/** Initializes the model on zeros of the recorded spec and compares; back to uninitialized if they differ. */
function compareWithOwnInit(runner: StepRunner, checkpoint: Checkpoint, className: string, dir: string, backend: string): void {
  const architecture = checkpoint.architecture;
  if (!architecture) {
    throw new ElegyCheckpointError(
      `The checkpoint at ${dir} is in elegy-ts's earlier format (checkpoint.json + tensors-….bin), which does not record the model's input shapes, ` +
        `so it can only be loaded into a ${className} that is already initialized. To convert it: await model.init(x, y) on one batch of your data, ` +
        `then await model.loadWeights(dir) and await model.save(dir) — the folder then holds checkpoint.safetensors.`,
    );
  }
  if (architecture.input === null) {
    throw new ElegyCheckpointError(
      `The checkpoint at ${dir} does not record the input spec of the model that saved it (its states were set without an init batch), ` +
        `so this ${className} cannot build its own states to compare. Call await model.init(x) on one batch first, then load it.`,
    );
  }
  const before = runner.states;
  // The trial init draws from the rng: give it a copy, so a refused load leaves the stream untouched.
  runner.replaceStates(before.update({ rng: before.rng?.clone() }), false);
  try {
    // A batch of one row; the runner owns it and frees it after the init.
    const batch = { x: zerosOf(architecture.input, 1), y: zerosOf(architecture.target, 1), sampleWeight: undefined, size: 1 };
    try {
      runner.initOnBatch(batch, "initialize", plainInputs(backend), true);
    } catch (error) {
      throw new ElegyCheckpointError(
        `The checkpoint at ${dir} could not be compared with this ${className}: initializing it on zeros of the checkpoint's input spec failed: ${(error as Error).message}`,
      );
    }
    checkArchitecture(runner.states, checkpoint, className, dir);
  } catch (error) {
    runner.replaceStates(before, false);
    throw error;
  }
}

/**
 * Compares leaf by leaf. A model without optimizer state of its own (built without an optimizer,
 * for inference) has no optimizer architecture to compare: the checkpoint's is kept as saved.
 */
function checkArchitecture(own: States, checkpoint: Checkpoint, className: string, dir: string): void {
  const ours = leafTables(own);
  const theirs = leafTables(checkpoint.states);
  if (own.optimizerStates === undefined) theirs.optimizerStates = [];
  const differences = leafDifferences(ours, theirs);
  if (differences.length === 0) return;
  const only = (a: LeafTables, b: LeafTables) => ARCHITECTURE_FIELDS.flatMap((f) => a[f].filter((r) => !b[f].some((s) => s.path === r.path)).map((r) => r.path));
  const hint = numberingHint(only(ours, theirs), only(theirs, ours));
  const shown = differences.slice(0, SHOWN_DIFFERENCES).map((line) => `  ${line}`);
  if (differences.length > SHOWN_DIFFERENCES) shown.push(`  … and ${differences.length - SHOWN_DIFFERENCES} more`);
  throw new ElegyCheckpointError(
    `The checkpoint at ${dir} (saved from ${checkpoint.className}) does not fit this ${className}: ${differences.length} ${differences.length === 1 ? "leaf differs" : "leaves differ"}:\n` +
      `${shown.join("\n")}\n` +
      (hint ?? "Build the model as the one that saved it (same module, layers and optimizer), or load a checkpoint of this architecture."),
  );
}
