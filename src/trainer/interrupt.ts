// Ctrl-C (SIGINT) and SIGTERM during a trainer run, as a Keras user expects: the first one while
// the fit runs aborts it at the end of the current batch (fit's `signal`), and the trainer then
// saves the run so --resume continues it (stopped-run.ts). A second one — or one before or after
// the fit, when there is no batch to finish — quits at once through `quit`, which says what is
// on disk. The lock file goes with the process (run-lock.ts releases it on exit).
import { Callback } from "../callbacks/callback";

export type StopSignal = "SIGINT" | "SIGTERM";

/** The shell's convention: 128 + the signal's number. */
export const STOP_EXIT_CODES: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/** How messages name a signal: what the user did. */
export function signalWords(signal: StopSignal): string {
  return signal === "SIGINT" ? "Ctrl-C" : "SIGTERM";
}

/** Where the run is: loading data, fitting, saving after a stop, or evaluating and reporting after the last epoch. */
export type RunPhase = "preparing" | "training" | "saving" | "finishing";

export type QuitAtOnce = (signal: StopSignal, phase: RunPhase, second: boolean) => void;

/** Watches the signals for one run and follows the fit's position (a callback of that fit). */
export class Interrupt extends Callback {
  private readonly controller = new AbortController();
  /** Given to fit: aborted by the first signal during the fit. */
  readonly abortSignal: AbortSignal = this.controller.signal;
  /** The signal that stopped the fit, if one did. */
  stoppedBy: StopSignal | undefined;
  phase: RunPhase = "preparing";
  /** The epoch (0-based) the fit is in, and the batches of it done. */
  epoch = 0;
  batchesDone = 0;
  private readonly listener = (signal: NodeJS.Signals): void => this.received(signal as StopSignal);

  constructor(
    private readonly quit: QuitAtOnce,
    private readonly err: (line: string) => void,
  ) {
    super();
  }

  /** Starts handling SIGINT and SIGTERM (which then no longer kill the process). */
  listen(): void {
    process.on("SIGINT", this.listener);
    process.on("SIGTERM", this.listener);
  }

  /** Gives the signals back their default (the process ends on the next one). */
  close(): void {
    process.removeListener("SIGINT", this.listener);
    process.removeListener("SIGTERM", this.listener);
  }

  /** Batches per epoch, when the fit knows them. */
  get steps(): number | undefined {
    return this.params.steps as number | undefined;
  }

  private received(signal: StopSignal): void {
    if (this.phase === "training" && this.stoppedBy === undefined) {
      this.stoppedBy = signal;
      this.controller.abort();
      const words = signalWords(signal);
      this.err(
        `elegy-ts train: ${words}: stopping at the end of this batch, then saving the run so --resume can continue it. ` +
          `${words} again quits at once, saving nothing more.`,
      );
      return;
    }
    this.quit(signal, this.phase, this.stoppedBy !== undefined);
  }

  onTrainBegin(): void {
    this.phase = "training";
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
    this.batchesDone = 0;
  }

  onTrainBatchEnd(batch: number): void {
    this.batchesDone = batch + 1;
  }

  onTrainEnd(): void {
    this.phase = this.stoppedBy === undefined ? "finishing" : "saving";
  }
}
