// Child process for the crash-safety test: saves checkpoint after checkpoint into one folder,
// the k-th save holding tensors filled with k, and reports each finished save on stdout.
// The parent SIGKILLs it at a random moment. (Not a test file: no .test suffix.)
import { States, RNG, tf } from "elegy-ts";
import { saveCheckpoint } from "elegy-ts";

async function main(): Promise<void> {
  const [dir, firstArg] = process.argv.slice(2);
  await tf.setBackend("cpu");
  for (let k = Number(firstArg); ; k++) {
    const states = new States({
      netParams: { big: tf.fill([512, 1024], k), small: tf.fill([7], k) },
      optimizerStates: { step: tf.scalar(k, "int32") },
      rng: new RNG(k),
    });
    await saveCheckpoint(dir, states, { className: "Crash", epoch: k });
    tf.dispose([...states.tensors()]);
    process.stdout.write(`saved ${k}\n`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
