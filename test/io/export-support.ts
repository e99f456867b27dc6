// Shared by the export tests: a model whose own @predStep does math of its own (not exportable).
import { Model, States, predStep, tf } from "elegy-ts";

export class Scaled extends Model {
  @predStep
  scaledOutput(x: tf.Tensor, states: States): [tf.Tensor, States] {
    return [tf.mul(x, 3), states];
  }
}
