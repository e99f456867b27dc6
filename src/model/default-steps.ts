// The default step chain, as in Elegy: trainStep → gradStep → testStep → predStep.
// Each default calls the next kind through the chain (the dispatcher), so an override anywhere in the
// chain is used by the defaults above it.
import { ElegyInputError } from "../errors";
import { Logs, markRunning } from "../logs";
import { States } from "../states";
import { valueAndGrad } from "../autodiff/grad";
import { untaped } from "../autodiff/untaped";
import { TensorTree, assertSameStructure, leaves } from "../tree";
import type { StepChain } from "./step-chain";
import { initEntry } from "./init-chain";
import { MissingParamsError } from "../missing-params";
import type { StepCall } from "./step-context";
import { GradResult, PredResult, TestResult, TrainResult } from "./step-results";

/** predStep: the `module` given to the constructor; creates its params while initializing. */
export function defaultPredStep(d: StepChain, call: StepCall): PredResult {
  const module = d.parts.module!;
  let states = call.states;
  if (call.initializing && states.netParams === undefined) {
    const created = module.init(states.rng, call.x);
    states = states.update({ netParams: created.params, netStates: created.states });
  }
  if (states.netParams === undefined) throw new MissingParamsError("its module has no parameters (states.netParams is undefined)");
  const [yPred, netStates] = module.apply(states.netParams, states.netStates, call.x, {
    training: call.training,
    rng: states.rng,
  });
  return [yPred, netStates === states.netStates ? states : states.update({ netStates })];
}

// A type, not an interface: a type literal is assignable to the index-signature trees of States.
type DefaultMetricsStates = {
  losses?: TensorTree;
  metrics?: TensorTree;
};

/** testStep: predStep, then the `loss` and `metrics` given to the constructor. */
export function defaultTestStep(d: StepChain, call: StepCall): TestResult {
  if (call.yTrue === undefined) {
    throw new ElegyInputError(
      `${d.className} cannot ${call.purpose}: the default test step needs targets, but no y was given. ` +
        `Pass y (or batches with a y field), or override @testStep.`,
    );
  }
  const [yPred, predicted] = d.pred(call);
  const loss = d.parts.loss!;
  const metrics = d.parts.metrics;
  const previous = (predicted.metricsStates ?? {}) as DefaultMetricsStates;
  const batch = {
    yTrue: call.yTrue,
    yPred,
    sampleWeight: call.sampleWeight,
    classWeight: call.classWeight,
    params: predicted.netParams,
  };
  const lossOut = loss.update(previous.losses ?? loss.init(), batch);
  // As Keras: metrics are computed outside the gradient tape (they are not part of the loss).
  const metricsOut = metrics && untaped(() => metrics.update(previous.metrics ?? metrics.init(), batch));
  const metricsStates: DefaultMetricsStates = metricsOut
    ? { losses: lossOut.state, metrics: metricsOut.state }
    : { losses: lossOut.state };
  return [lossOut.loss, { ...lossOut.logs, ...metricsOut?.logs }, predicted.update({ metricsStates })];
}

/** gradStep: the loss of testStep and its gradient with respect to every leaf of states.netParams. */
export function defaultGradStep(d: StepChain, call: StepCall): GradResult {
  const params = call.states.netParams;
  if (leaves(params).length === 0) throw new MissingParamsError("states.netParams holds no tensors, so there is nothing to train", undefined, "gradStep");
  const { value, grads, aux } = valueAndGrad(
    (netParams) => {
      const [loss, logs, next] = d.test({ ...call, states: call.states.update({ netParams }) });
      return [loss, [logs, next] as const];
    },
    params,
    { loss: `${d.className} cannot ${call.purpose}: the loss of the test step`, params: "states.netParams" },
  );
  return [value, aux[0], aux[1], grads];
}

/** trainStep: gradStep, then the optimizer. While initializing: testStep, then the optimizer's state. */
export function defaultTrainStep(d: StepChain, call: StepCall): TrainResult {
  const optimizer = d.parts.optimizer;
  if (call.initializing) {
    const [logs, states] = d.can("testStep") ? d.test(call).slice(1) as [Logs, States] : d.grad(call).slice(1, 3) as [Logs, States];
    const withOptimizer = optimizer && states.optimizerStates === undefined
      ? states.update({ optimizerStates: optimizer.init(states.netParams) })
      : states;
    return [logs, withOptimizer];
  }
  if (!optimizer) throw new ElegyInputError(d.missingOptimizerMessage(call.purpose));
  return d.gradThen(call, ([, logs, states, grads]) => {
    const gradsOf = d.overridden("gradStep") ? "the gradients returned by @gradStep" : "the gradients";
    assertSameStructure(states.netParams, grads, "states.netParams", gradsOf);
    const optimizerStates = states.optimizerStates ?? optimizer.init(states.netParams);
    const [netParams, nextOptimizerStates] = optimizer.apply(states.netParams, grads, optimizerStates);
    const lr = markRunning(optimizer.learningRate(nextOptimizerStates));
    return [{ ...logs, lr }, states.update({ netParams, optimizerStates: nextOptimizerStates })];
  });
}

/** initStep: the chain initEntry picks (init-chain.ts), once, with initializing = true. */
export function defaultInitStep(d: StepChain, call: StepCall): States {
  return initEntry(d, call.purpose, call.yTrue !== undefined) === "trainStep" ? d.train(call)[1] : d.pred(call)[1];
}
