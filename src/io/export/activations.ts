// nn's activation functions as tfjs-layers knows them. Functions are recognised by identity,
// never by name: a user's own function called `relu` is still code tfjs-layers cannot run.
import { tf } from "../../tf";
import * as act from "../../nn/activations";

type Fn = (x: tf.Tensor) => tf.Tensor;

/** tfjs-layers' activation identifier of each nn activation that has one (same math: see docs/export.md). */
const IDENTIFIERS = new Map<Fn, string>([
  [act.relu, "relu"],
  [act.relu6, "relu6"],
  [act.gelu, "gelu"],
  [act.geluApproximate, "gelu_new"],
  [act.sigmoid, "sigmoid"],
  [act.tanh, "tanh"],
  [act.softmax, "softmax"],
  [act.logSoftmax, "logSoftmax"],
  [act.elu, "elu"],
  [act.selu, "selu"],
  [act.softplus, "softplus"],
  [act.swish, "swish"],
  [act.identity, "linear"],
]);

/** The identifier a Dense/Conv2D/Activation layer takes for `fn`, if tfjs-layers has it as one. */
export function activationIdentifier(fn: Fn): string | undefined {
  return IDENTIFIERS.get(fn);
}

/** Whether `fn` is one of nn's activations (the ones tfjs-layers can compute). */
export function isKnownActivation(fn: Fn): boolean {
  return IDENTIFIERS.has(fn) || act.leakyReluSlope(fn) !== undefined;
}

/** The tfjs layer computing one of nn's activations on its own (isKnownActivation(fn) must hold). */
export function activationLayer(fn: Fn, args: { name: string; batchInputShape?: Array<number | null> }): tf.layers.Layer {
  const identifier = IDENTIFIERS.get(fn);
  if (identifier !== undefined) return tf.layers.activation({ activation: identifier as never, ...args });
  return tf.layers.leakyReLU({ alpha: act.leakyReluSlope(fn)!, ...args });
}

/** "the function 'myAct'" / "an anonymous function", for messages. */
export function describeFunction(fn: Fn): string {
  return fn.name ? `the function '${fn.name}'` : "an anonymous function";
}
