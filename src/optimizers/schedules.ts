// Learning-rate schedules: functions of the optimizer's step counter, computed on device so a
// step never waits for the host. `step` is the number of updates already applied (0 for the
// first update), as Keras' `optimizer.iterations`.
import { checkOptionKeys, optionKeys } from "../options-check";
import { tf } from "../tf";
import { ElegyInputError } from "../errors";
import { deferCheck } from "../device-checks";

/** Maps the step counter (float32 scalar) to a learning rate (float32 scalar). */
export type Schedule = (step: tf.Scalar) => tf.Scalar;

/** A constant rate or a schedule. */
export type LearningRate = number | Schedule;

/** The rates of the constant schedules asSchedule made from numbers. */
const constantRates = new WeakMap<Schedule, number>();

/** The schedule of a LearningRate option (a number becomes a constant schedule). */
export function asSchedule(learningRate: LearningRate): Schedule {
  if (typeof learningRate === "function") return learningRate;
  if (!Number.isFinite(learningRate) || learningRate < 0) {
    throw new ElegyInputError(`learningRate must be a non-negative number or a schedule, got ${learningRate}.`);
  }
  const schedule: Schedule = () => tf.scalar(learningRate);
  constantRates.set(schedule, learningRate);
  return schedule;
}

/** The rate of a schedule made from a number (it ignores the step), else undefined. */
export function constantRateOf(schedule: Schedule): number | undefined {
  return constantRates.get(schedule);
}

function requirePositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new ElegyInputError(`${name} must be a positive number, got ${value}.`);
}

function requireRate(name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ElegyInputError(`${name} must be a finite number >= 0 (a learning rate), got ${value}.`);
  }
}

/**
 * Schedules built here from checked options: they can only return finite rates >= 0, so the
 * optimizer does not check their rates step by step. Any other function is checked.
 */
const checkedSchedules = new WeakSet<Schedule>();
function checked(schedule: Schedule): Schedule {
  checkedSchedules.add(schedule);
  return schedule;
}

/**
 * The rate a user's schedule returned for `step`, or 0 where it is not a finite number >= 0 —
 * that step's update is then not applied, and the failure is reported with the step number
 * (read with the epoch's logs inside fit, at once outside it; see device-checks.ts).
 */
export function checkedRate(schedule: Schedule, rate: tf.Scalar, step: tf.Scalar, owner: string): tf.Scalar {
  if (constantRates.has(schedule) || checkedSchedules.has(schedule)) return rate;
  const valid = tf.logicalAnd(tf.isFinite(rate), tf.greaterEqual(rate, 0));
  const record = tf.stack([tf.cast(tf.logicalNot(valid), "float32"), tf.cast(step, "float32"), tf.cast(rate, "float32")]) as tf.Tensor1D;
  deferCheck(record, (at, value, where) =>
    `${owner}: the learning-rate schedule returned ${value} for step ${at}${where ? ` (in ${where})` : ""}; a learning rate must be a ` +
      "finite number >= 0, so that step's update was not applied. Fix the schedule (e.g. clamp it: tf.maximum(rate, 0)).",
  );
  return tf.where(valid, rate, tf.zerosLike(rate)) as tf.Scalar;
}

export interface ExponentialDecayOptions {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  /** Decay in whole intervals of decaySteps (a step function) instead of continuously. */
  staircase?: boolean;
}

export const EXPONENTIAL_DECAY_OPTIONS = optionKeys<ExponentialDecayOptions>()(["initialLearningRate", "decaySteps", "decayRate", "staircase"]);

/** Keras ExponentialDecay: initial * decayRate ^ (step / decaySteps). */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  checkOptionKeys("optimizers.exponentialDecay", options, EXPONENTIAL_DECAY_OPTIONS);
  const { initialLearningRate, decaySteps, decayRate, staircase = false } = options;
  requirePositive("exponentialDecay decaySteps", decaySteps);
  requireRate("exponentialDecay initialLearningRate", initialLearningRate);
  requireRate("exponentialDecay decayRate", decayRate);
  return checked((step) => {
    let p = tf.div(step, decaySteps);
    if (staircase) p = tf.floor(p);
    return tf.mul(initialLearningRate, tf.pow(tf.scalar(decayRate), p)) as tf.Scalar;
  });
}

export interface CosineDecayOptions {
  initialLearningRate: number;
  decaySteps: number;
  /** Floor of the decay, as a fraction of initialLearningRate. */
  alpha?: number;
  /** With warmupSteps > 0: rise linearly from initialLearningRate to warmupTarget first (Keras 3). */
  warmupTarget?: number;
  warmupSteps?: number;
}

export const COSINE_DECAY_OPTIONS = optionKeys<CosineDecayOptions>()(["initialLearningRate", "decaySteps", "alpha", "warmupTarget", "warmupSteps"]);

/** Keras CosineDecay (with its optional linear warmup): decays over decaySteps after the warmup. */
export function cosineDecay(options: CosineDecayOptions): Schedule {
  checkOptionKeys("optimizers.cosineDecay", options, COSINE_DECAY_OPTIONS);
  const { initialLearningRate, decaySteps, alpha = 0, warmupTarget, warmupSteps = 0 } = options;
  requirePositive("cosineDecay decaySteps", decaySteps);
  requireRate("cosineDecay initialLearningRate", initialLearningRate);
  if (warmupTarget !== undefined) requireRate("cosineDecay warmupTarget", warmupTarget);
  if (!(alpha >= 0 && alpha <= 1)) throw new ElegyInputError(`cosineDecay alpha must be between 0 and 1, got ${alpha}.`);
  const peak = warmupTarget ?? initialLearningRate;
  const decay: Schedule = checked((step) => {
    const progress = tf.div(tf.minimum(tf.sub(step, warmupSteps), decaySteps), decaySteps);
    const cosine = tf.mul(0.5, tf.add(1, tf.cos(tf.mul(Math.PI, progress))));
    return tf.mul(peak, tf.add(tf.mul(1 - alpha, cosine), alpha)) as tf.Scalar;
  });
  if (warmupTarget === undefined || warmupSteps <= 0) return decay;
  return linearWarmup({ warmupSteps, from: initialLearningRate, to: warmupTarget, then: decay });
}

export interface LinearWarmupOptions {
  warmupSteps: number;
  /** Rate at step 0 (default 0). */
  from?: number;
  /** Rate reached at warmupSteps. */
  to: number;
  /** Schedule used from warmupSteps on; it sees the global step (default: constant `to`). */
  then?: Schedule;
}

export const LINEAR_WARMUP_OPTIONS = optionKeys<LinearWarmupOptions>()(["warmupSteps", "from", "to", "then"]);

/** Rises linearly from `from` to `to` over warmupSteps, then follows `then`. */
export function linearWarmup(options: LinearWarmupOptions): Schedule {
  checkOptionKeys("optimizers.linearWarmup", options, LINEAR_WARMUP_OPTIONS);
  const { warmupSteps, from = 0, to, then = () => tf.scalar(to) } = options;
  requirePositive("linearWarmup warmupSteps", warmupSteps);
  requireRate("linearWarmup from", from);
  requireRate("linearWarmup to", to);
  const schedule: Schedule = (step) => {
    const warm = tf.add(from, tf.mul(to - from, tf.div(step, warmupSteps)));
    return tf.where(tf.less(step, warmupSteps), warm, then(step)) as tf.Scalar;
  };
  // After the warmup it returns what `then` returns: checked only if `then` is.
  return options.then === undefined || checkedSchedules.has(options.then) ? checked(schedule) : schedule;
}

export interface PiecewiseConstantDecayOptions {
  /** Increasing step boundaries. */
  boundaries: number[];
  /** One more value than boundaries: values[i] holds while step <= boundaries[i] (Keras). */
  values: number[];
}

export const PIECEWISE_CONSTANT_DECAY_OPTIONS = optionKeys<PiecewiseConstantDecayOptions>()(["boundaries", "values"]);

/** Keras PiecewiseConstantDecay. */
export function piecewiseConstantDecay(options: PiecewiseConstantDecayOptions): Schedule {
  checkOptionKeys("optimizers.piecewiseConstantDecay", options, PIECEWISE_CONSTANT_DECAY_OPTIONS);
  const { boundaries, values } = options;
  if (values.length !== boundaries.length + 1) {
    throw new ElegyInputError(
      `piecewiseConstantDecay needs one more value than boundaries; got ${boundaries.length} boundaries and ${values.length} values.`,
    );
  }
  if (boundaries.some((b, i) => i > 0 && b <= boundaries[i - 1])) {
    throw new ElegyInputError(`piecewiseConstantDecay boundaries must increase, got [${boundaries.join(", ")}].`);
  }
  values.forEach((v, i) => requireRate(`piecewiseConstantDecay values[${i}]`, v));
  return checked((step) => {
    // values[k] where k = number of boundaries the step has passed.
    const passed = tf.sum(tf.cast(tf.greater(step, tf.tensor1d(boundaries)), "int32"));
    return tf.reshape(tf.gather(tf.tensor1d(values), passed), []) as tf.Scalar;
  });
}
