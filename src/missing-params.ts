// The signal that parameters (or net states) were needed and there were none. Raised where
// that is found — a layer given undefined params, a default step — and reworded by the
// StepRunner, which knows the model, the call and what initializes the model.
import { ElegyNotInitializedError } from "./errors";

export class MissingParamsError extends ElegyNotInitializedError {
  /** "gradStep" when the default gradStep found none (it cannot create them; see init-chain.ts). */
  declare readonly source?: "gradStep";

  /**
   * `problem`: what is missing, in the words of the part that found it (no final period).
   * `message`: the whole error for a caller outside any model (default: the problem).
   */
  constructor(
    readonly problem: string,
    message = `${problem}.`,
    source?: "gradStep",
  ) {
    super(message);
    // Only when set, as ElegyError's code: an own undefined property is printed with the error.
    if (source !== undefined) this.source = source;
  }
}
