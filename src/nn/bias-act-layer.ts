// What Conv2D and Linear share: an optional activation, and a forward pass (conv or matMul + bias)
// that can take a ReLU into its own kernel — its own `activation: nn.relu`, or, through
// Sequential, an `nn.relu` layer right after it.
import { tf } from "../tf";
import { ApplyContext } from "../contracts";
import { StateTree, TensorTree } from "../tree";
import { relu } from "./activations";
import { Activation, BaseModule, ReluFusable } from "./module";

export abstract class BiasActLayer extends BaseModule implements ReluFusable {
  /** The activation applied to the output (undefined: none). */
  abstract readonly activation?: Activation;

  /** The layer's output before any activation but the ReLU it was asked to fuse. */
  protected abstract forward(params: TensorTree, x: TensorTree, withRelu: boolean): tf.Tensor;

  apply(params: TensorTree, states: StateTree, x: TensorTree, _ctx: ApplyContext): [TensorTree, StateTree] {
    const ownRelu = this.activation === relu;
    const y = this.forward(params, x, ownRelu);
    return [this.activation && !ownRelu ? this.activation(y) : y, states];
  }

  /** No activation of its own: Sequential may run a following nn.relu in this layer's kernel. */
  get fusesRelu(): boolean {
    return this.activation === undefined;
  }

  /** relu(this layer's output), in one kernel where the backend has it. */
  applyWithRelu(params: TensorTree, states: StateTree, x: TensorTree, _ctx: ApplyContext): [TensorTree, StateTree] {
    return [this.forward(params, x, true), states];
  }
}
