// Run in a fresh process by start.test.ts: one scenario of the backend start, printing a JSON
// summary on its last stdout line. Everything else (tfjs's banner, elegy-ts's choice line) is
// what the test inspects on stdout and stderr.
import { Model, losses, metrics, nn, optimizers, ready, tf } from "elegy-ts";

function classifier(backend: string | undefined): Model {
  return new Model({
    module: new nn.Sequential([new nn.Linear(8), nn.relu, new nn.Linear(3)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    metrics: metrics.sparseCategoricalAccuracy(),
    optimizer: optimizers.adam(0.01),
    seed: 3,
    ...(backend === undefined ? {} : { backend }),
  });
}

async function main(): Promise<void> {
  const [scenario, backend] = process.argv.slice(2);
  const request = backend === "default" ? undefined : backend;
  const out: Record<string, unknown> = { scenario };
  if (scenario === "two-fits" || scenario === "two-readies") {
    const [a, b] = [classifier(request), classifier(request)];
    // Data made with elegy-ts's tf before any backend is chosen: it must work wherever the models run.
    const x = tf.randomNormal([48, 5], 0, 1, "float32", 1);
    const y = tf.tensor1d(Array.from({ length: 48 }, (_, i) => i % 3), "int32");
    if (scenario === "two-readies") await Promise.all([a.ready(), b.ready()]);
    const [ha, hb] = await Promise.all([
      a.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 }),
      b.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 }),
    ]);
    out.backend = tf.getBackend();
    out.same = JSON.stringify(ha.history) === JSON.stringify(hb.history);
    out.loss = ha.history.loss;
  } else if (scenario === "ready-first") {
    const choice = await ready(request);
    const before = tf.ones([2, 2]);
    out.backend = tf.getBackend();
    out.choice = choice.name;
    out.tensorBackend = tf.engine().state.tensorInfo.get(before.dataId)?.backend === tf.findBackend(tf.getBackend()) ? tf.getBackend() : "other";
  } else if (scenario === "mixed") {
    // Tensors made before the backend is chosen land on tfjs's default (cpu); after the choice
    // they mix with new ones, and fit/evaluate/predict take them.
    const early = tf.tensor2d([[1, 2], [3, 4]]);
    out.earlyBackend = tf.getBackend();
    const choice = await ready(request);
    const late = tf.tensor2d([[10, 20], [30, 40]]);
    out.backend = tf.getBackend();
    out.choice = choice.name;
    out.sum = Array.from(tf.add(early, late).dataSync());
    out.product = Array.from(tf.matMul(late, early).dataSync());
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((error: Error) => {
  process.stdout.write(`${JSON.stringify({ error: `${error.name}: ${error.message}` })}\n`);
  process.exitCode = 1;
});
