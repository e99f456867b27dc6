// Sample and class weights reach a step only through its parameters. When the loss is computed
// by a step of the user's (an overridden @testStep) and no step of the chain asks for the
// weights given, training would go on as if none were given — Keras users expect class_weight
// to count whatever the step. So such a call is refused before it starts, naming the steps.
// With the default testStep in the chain, the weights are used (it passes them to the loss).
import type { StepKind } from "../metadata-keys";
import { ElegyInputError } from "../errors";
import type { StepDispatcher } from "./dispatch";

/** The steps whose parameters could take a training or evaluation call's weights, outermost first. */
const CHAINS: Record<"fit" | "evaluate", readonly StepKind[]> = {
  fit: ["trainStep", "gradStep", "testStep"],
  evaluate: ["testStep"],
};

/** Refuses weights given to `method` (a training or an evaluation call, `chain`) that no step would receive. */
export function checkWeightsUsed(
  d: StepDispatcher, method: string, chain: "fit" | "evaluate", given: { sampleWeight?: unknown; classWeight?: unknown },
): void {
  if (!d.overridden("testStep")) return;
  const own = CHAINS[chain].filter((kind) => d.overridden(kind));
  for (const name of ["classWeight", "sampleWeight"] as const) {
    if (given[name] === undefined || own.some((kind) => d.asks(kind, name))) continue;
    const steps = own.map((kind) => `${d.where(kind)} (@${kind})`);
    const list = steps.length === 1 ? steps[0] : `${steps.slice(0, -1).join(", ")} and ${steps[steps.length - 1]}`;
    const other = name === "classWeight" && own.some((kind) => d.asks(kind, "sampleWeight"))
      ? " It asks for sampleWeight, but class weights come as their own injectable (Keras folds them into the sample weights; elegy-ts leaves that to the step)."
      : "";
    throw new ElegyInputError(
      `${method}(): ${name} was given, but no step of ${d.className} takes it, so it would be ignored: ` +
        `${list} ${own.length === 1 ? "does" : "do"} not ask for ${name}.${other} ` +
        `Add a ${name} parameter to ${d.where("testStep")} and pass it to the loss ` +
        "(loss.call(yTrue, yPred, sampleWeight, classWeight)), or leave it out.",
    );
  }
}
