// Error classes of elegy-ts. Every message says what happened, where, and what to do.

/** Base class: `err instanceof ElegyError` catches everything the framework raises on purpose. */
export class ElegyError extends Error {
  /**
   * `"ELEGY1001"` when this error is the run-time twin of that build-time diagnostic (a check
   * the build makes, made again when code was not built or its errors were not stopped).
   * Its message then starts with the code too, as the diagnostic's does.
   */
  declare readonly code?: string;

  constructor(message: string, options?: ErrorOptions & { code?: number }) {
    const code = options?.code;
    super(code === undefined ? message : `ELEGY${code}: ${message}`, options);
    this.name = new.target.name;
    // Set only when there is one: an own property holding undefined prints as "code: undefined".
    if (code !== undefined) this.code = `ELEGY${code}`;
  }
}

/** A model class is declared wrongly (decorators, missing build step, duplicate overrides). */
export class ElegyDefinitionError extends ElegyError {}

/** A model was compiled without the elegy-ts transformer. */
export class ElegyBuildError extends ElegyError {}

/** A step could not be given the arguments it asked for. */
export class ElegyInjectionError extends ElegyError {}

/** A step, module, loss or optimizer needed by a phase is neither given nor overridden. */
export class ElegyMissingStepError extends ElegyError {}

/** A step returned something other than what its kind must return. */
export class ElegyStepResultError extends ElegyError {}

/** Bad input data or options given to fit/evaluate/predict. */
export class ElegyInputError extends ElegyError {}

/** A backend could not be selected or loaded, or was switched while a model's call was computing on it. */
export class ElegyBackendError extends ElegyError {}

/** A checkpoint folder could not be read or written safely. */
export class ElegyCheckpointError extends ElegyError {}

/** A replica of data-parallel training (fit's `replicas` option) could not start, failed, or stopped answering. */
export class ElegyReplicaError extends ElegyError {}

/**
 * A step needs parameters the model does not have: it is not initialized, or its init chain
 * created none. The message names the model, the call, and what initializes the model.
 */
export class ElegyNotInitializedError extends ElegyInputError {}

/**
 * A training or evaluation call was made on a model that is already running one, or a call
 * needs another backend than a running call of another model (await the first).
 */
export class ElegyBusyError extends ElegyInputError {}

/** A feature that needs Node (files, worker threads, the native addon) was called in a web page. */
export class ElegyPlatformError extends ElegyError {}

/** A model cannot be exported (to tfjs-layers), or an exported model folder cannot be read. */
export class ElegyExportError extends ElegyError {}
