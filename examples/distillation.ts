// Knowledge distillation (Hinton et al., 2015): a small student MLP learns from the softened
// predictions of a larger teacher MLP as well as from the labels. The teacher and the
// temperature are injected into the student's step by name; the teacher is a whole Model,
// called synchronously inside the student's step with teacher.apply(x) — its parameters stay
// constants of the student's gradient, and its States never change.
//   elegy-ts train examples/distillation.ts
// The trainer's data step first trains the teacher (784-256-10, one epoch), then the student
// (784-32-10) trains for two epochs against it.
import {
  Model, States, datasets, losses, metrics, nn, optimizers, testStep, tf, trainer,
  type Logs, type ModelOptions,
} from "elegy-ts";

// The step below asks for `teacher` and `temperature`; declaring them makes the names and
// their types known to the compile-time check and to model.provide.
declare module "elegy-ts" {
  interface Injectables {
    teacher: Model;
    temperature: number;
  }
}

const CLASSES = 10;

/** The teacher: a wider MLP with the default steps (module, loss, optimizer). */
export class TeacherMLP extends Model {
  constructor(options: ModelOptions = {}) {
    super({
      module: new nn.Sequential([new nn.Flatten(), new nn.Linear(256), nn.relu, new nn.Linear(CLASSES)]),
      loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
      metrics: metrics.sparseCategoricalAccuracy(),
      optimizer: optimizers.adam(1e-3),
      ...options,
    });
  }
}

/** The one teacher of this process: trained by the data step below, before the student's fit. */
export const teacherModel = new TeacherMLP({ seed: 7 });

/** MNIST in [0, 1]; trains the teacher on the training split first (once per run). */
export async function distillationData() {
  const { train, test } = await datasets.mnist();
  const scale = (x: tf.Tensor) => tf.tidy(() => x.div(255));
  const data = { train: { x: scale(train.x), y: train.y }, test: { x: scale(test.x), y: test.y } };
  await teacherModel.fit(data.train.x, data.train.y, { epochs: 1, batchSize: 64, verbose: 0 });
  return data;
}

/** Mean cross-entropy of integer labels against logits. */
function crossentropy(yTrue: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(yTrue.toInt().reshape([-1]), CLASSES), logits) as tf.Scalar;
}

/** KL(teacher ‖ student) of the temperature-softened distributions, times T² (so its gradients keep their scale as T changes). */
export function distillationLoss(teacherLogits: tf.Tensor, studentLogits: tf.Tensor, temperature: number): tf.Scalar {
  const p = tf.softmax(tf.div(teacherLogits, temperature));
  const logP = tf.logSoftmax(tf.div(teacherLogits, temperature));
  const logQ = tf.logSoftmax(tf.div(studentLogits, temperature));
  return tf.mul(tf.mean(tf.sum(tf.mul(p, tf.sub(logP, logQ)), -1)), temperature * temperature) as tf.Scalar;
}

@trainer({ data: distillationData, epochs: 2, batchSize: 64 })
export class Student extends Model {
  /** Weight of the teacher's soft targets; the labels get the rest. */
  alpha = 0.7;

  constructor(options: ModelOptions = {}) {
    super({
      module: new nn.Sequential([new nn.Flatten(), new nn.Linear(32), nn.relu, new nn.Linear(CLASSES)]),
      optimizer: optimizers.adam(3e-3),
      ...options,
    });
    this.provide("teacher", teacherModel);
    this.provide("temperature", 4);
  }

  /** The default gradStep and trainStep differentiate this loss with respect to the student's params only. */
  @testStep
  distill(x: tf.Tensor, yTrue: tf.Tensor, states: States, teacher: Model, temperature: number): [tf.Scalar, Logs, States] {
    const [logits, next] = this.runStep("predStep", { states });
    const soft = distillationLoss(teacher.apply(x) as tf.Tensor, logits as tf.Tensor, temperature);
    const hard = crossentropy(yTrue, logits as tf.Tensor);
    const loss = tf.add(tf.mul(soft, this.alpha), tf.mul(hard, 1 - this.alpha)) as tf.Scalar;
    const accuracy = tf.mean(tf.equal(tf.argMax(logits as tf.Tensor, -1), yTrue.toInt().reshape([-1])).toFloat());
    return [loss, { loss, distillation_loss: soft, crossentropy_loss: hard, accuracy }, next];
  }
}
