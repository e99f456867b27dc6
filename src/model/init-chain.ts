// Which chain initializes a model, decided in one place and put into words from the same
// decision: the default initStep runs it, and every error caused by missing parameters names
// the model, the call that failed and what initializes (or initialized) the model.
import type { StepKind } from "../metadata-keys";
import type { Purpose } from "./step-context";

/** What the init decision and its messages need to know about a model's steps. */
export interface InitChainView {
  readonly className: string;
  overridden(kind: StepKind): boolean;
  can(kind: StepKind): boolean;
  /** "MLP.forward" for an overridden kind. */
  where(kind: StepKind): string | undefined;
}

/** The step an init starts from. */
export type InitEntry = "initStep" | "trainStep" | "predStep";

/**
 * As in Elegy, the train chain once with initializing = true. Only the prediction step runs
 * when initializing for predict (or apply), or when the default test step would have no
 * targets to test against; it still creates the params.
 */
export function initEntry(d: InitChainView, purpose: Purpose, hasTargets: boolean): InitEntry {
  if (d.overridden("initStep")) return "initStep";
  const customTraining = d.overridden("trainStep") || d.overridden("gradStep") || d.overridden("testStep");
  const forPrediction = purpose === "predict" || purpose === "apply";
  const trainChainFits = d.can("trainStep") && (!d.can("predStep") || (!forPrediction && (hasTargets || customTraining)));
  return trainChainFits ? "trainStep" : "predStep";
}

/** The chain an init runs, in words: "the prediction step alone (its @predStep MLP.forward)". */
export function describeEntry(d: InitChainView, entry: InitEntry): string {
  switch (entry) {
    case "initStep":
      return `its @initStep ${d.where("initStep")}`;
    case "predStep":
      return d.overridden("predStep") ? `the prediction step alone (@predStep ${d.where("predStep")})` : "the prediction step alone (the module's init)";
    case "trainStep": {
      if (d.overridden("trainStep")) return `the train chain from @trainStep ${d.where("trainStep")}`;
      const ours = (["gradStep", "testStep", "predStep"] as const).filter((k) => d.overridden(k)).map((k) => `@${k} ${d.where(k)}`);
      return `the default train chain (trainStep → gradStep → testStep → predStep${ours.length ? `, through its ${ours.join(" and ")}` : ""})`;
    }
  }
}

/** How `purpose` names itself in a sentence ("init", "fit", …). */
function callName(purpose: Purpose): string {
  return purpose === "initialize" ? "init" : purpose;
}

/** What initializes the model, for a model that is not initialized yet. */
export function howToInitialize(d: InitChainView): string {
  const byInit = describeEntry(d, initEntry(d, "initialize", true));
  const byPredict = describeEntry(d, initEntry(d, "predict", false));
  const others = byPredict === byInit
    ? "fit, evaluate and predict initialize it the same way on their first batch"
    : `fit and evaluate initialize it the same way on their first batch, predict with ${byPredict}`;
  return `Initialize it first: await model.init(x, y) runs ${byInit} once with initializing = true; ${others}.`;
}

/** Where the model stands when parameters turn out to be missing. */
export type InitSituation =
  /** The failing call is the init itself (`initializing` is true); `inDefaultGradStep`: the default gradStep found no params. */
  | { readonly state: "initializing"; readonly inDefaultGradStep?: boolean }
  /** Initialized on the first batch of `by`, whose chain created no parameters. */
  | { readonly state: "initialized"; readonly by: Purpose }
  /** setStates or a checkpoint gave States without parameters. */
  | { readonly state: "replaced" }
  | { readonly state: "uninitialized" }
  /** apply() was given states of its own. */
  | { readonly state: "given" };

/** The fixes when the init chain ran but created nothing. */
function createThem(d: InitChainView, entry: InitEntry): string {
  if (entry === "initStep") return `Return them from ${d.where("initStep")}: states.update({ netParams }).`;
  const fixes = ["Create the parameters in that chain when initializing is true (return states.update({ netParams }))", "define an @initStep"];
  if (entry === "predStep" && initEntry(d, "initialize", true) === "trainStep") fixes.push("initialize with the train chain first: await model.init(x, y)");
  return `${fixes.slice(0, -1).join(", ")}, or ${fixes[fixes.length - 1]}.`;
}

/**
 * A user's @trainStep that calls the default gradStep while initializing: the chain does create
 * the params (through the test step), but gradients need them to exist first, so the usual
 * "create the parameters in that chain" would send the user the wrong way.
 */
function gradBeforeParams(d: InitChainView, purpose: Purpose): string {
  const where = d.where("trainStep");
  return (
    `It happened while ${d.className} was being initialized on the first batch of ${callName(purpose)}: ` +
    `@trainStep ${where} runs once with initializing = true, before any parameters exist, and the gradStep it called ` +
    `needs parameters to take gradients of. When initializing, have ${where} run the test step (which creates them) ` +
    `and return its logs and States; ask for initializing as a parameter and start with:\n` +
    `  if (initializing) {\n` +
    `    const [, logs, next] = this.runStep("testStep");\n` +
    `    return [logs, next];\n` +
    `  }`
  );
}

/**
 * `${model} cannot ${purpose}: ${problem}.` followed by what initializes (or initialized) the
 * model and what to do. `problem` says what is missing, in the words of the part that found it.
 */
export function missingParamsMessage(d: InitChainView, purpose: Purpose, situation: InitSituation, problem: string, hasTargets: boolean): string {
  const head = `${d.className} cannot ${purpose}: ${problem}.`;
  switch (situation.state) {
    case "initializing": {
      const entry = initEntry(d, purpose, hasTargets);
      if (situation.inDefaultGradStep && entry === "trainStep" && d.overridden("trainStep") && d.can("testStep")) {
        return `${head} ${gradBeforeParams(d, purpose)}`;
      }
      return (
        `${head} It happened while ${d.className} was being initialized on the first batch of ${callName(purpose)}, ` +
        `with ${describeEntry(d, entry)}, called with initializing = true. ${createThem(d, entry)}`
      );
    }
    case "initialized": {
      const entry = initEntry(d, situation.by, true);
      return (
        `${head} ${d.className} was initialized on the first batch of ${callName(situation.by)} with ${describeEntry(d, entry)}, ` +
        `which created no parameters. ${createThem(d, entry)}`
      );
    }
    case "replaced":
      return `${head} Its States were replaced (setStates or loadWeights) by ones without parameters; give it States from an initialized ${d.className}.`;
    case "uninitialized":
      return `${head} ${d.className} is not initialized. ${howToInitialize(d)}`;
    case "given":
      return `${head} The states given to apply() hold none: pass the states of an initialized ${d.className}, or leave states out.`;
  }
}
