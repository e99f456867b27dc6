// Cases computed on the wasm backend, with the native kernels or without them (the child
// process of kernels.test.ts runs this file with ELEGY_NATIVE=0 and prints JSON).
import { Model, ensureBackend, losses, nn, optimizers, tf } from "elegy-ts";
import { nativeStatus } from "../../../src/backend/native/addon";
import { adamUpdate } from "../../../src/backend/kernels/adam-update";
import { conv2dBiasAct } from "../../../src/backend/kernels/bias-act";
import { maxPoolWithArgmax } from "../../../src/backend/kernels/max-pool-argmax";

const normal = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, "float32", seed);

export async function nativeCases(): Promise<{ native: boolean; values: Record<string, number[]> }> {
  await ensureBackend("wasm", { log: () => undefined });
  const values: Record<string, number[]> = {};
  const put = (name: string, t: tf.Tensor | tf.Tensor[]) => {
    for (const [i, x] of (Array.isArray(t) ? t : [t]).entries()) values[`${name}#${i}`] = Array.from(x.dataSync());
  };
  tf.tidy(() => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const a = normal(ta ? [70, 33] : [33, 70], 1);
      const b = normal(tb ? [19, 70] : [70, 19], 2);
      put(`matMul ${ta} ${tb}`, tf.matMul(a, b, ta, tb));
    }
    put("batched matMul, broadcast b", tf.matMul(normal([3, 7, 300], 3), normal([300, 5], 4)));
    put("batched matMul, transposed b", tf.matMul(normal([2, 13, 9], 5), normal([2, 17, 9], 6), false, true));
    put("matMul k = 1000", tf.matMul(normal([5, 1000], 7), normal([1000, 40], 8)));
    // Large enough to be split over two threads: by columns (n = 300), and by rows (n = 10).
    const digits = normal([64, 784], 21);
    put("matMul 64×784·784×300, split by columns", tf.matMul(digits, normal([784, 300], 22)));
    put("matMul 784×64·64×300 (a weight gradient), split by columns", tf.matMul(digits, normal([64, 300], 23), true, false));
    put("matMul 300×784·(10×784)ᵀ, split by rows", tf.matMul(normal([300, 784], 24), normal([10, 784], 25), false, true));
    const convs = [["valid", 1, 1, [2, 9, 9, 3], 3], ["same", 2, 1, [2, 10, 9, 4], 3], ["same", 1, 2, [1, 9, 9, 2], 3], ["valid", 1, 1, [2, 5, 5, 6], 1], ["same", 3, 1, [1, 11, 10, 2], 5],
      // Patches of 64+ values: the forward conv runs natively too (shorter ones stay on XNNPACK).
      ["valid", 1, 1, [2, 7, 7, 16], 3], ["same", 2, 1, [2, 10, 9, 16], 3], ["same", 1, 2, [1, 9, 9, 8], 3], ["valid", 1, 1, [2, 5, 5, 70], 1]] as const;
    for (const [pad, stride, dilation, shape, k] of convs) {
      const x = normal([...shape], 9);
      const w = normal([k, k, shape[3], 7], 10);
      const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, stride, pad, "NHWC", dilation);
      put(`conv2d ${pad} s${stride} d${dilation} k${k}`, f(x, w));
      if (dilation === 1) put(`conv2d grads ${pad} s${stride} k${k}`, tf.grads((xx: tf.Tensor, ww: tf.Tensor) => f(xx, ww).square().sum())([x, w]));
    }
    // The blocked GEMM convolutions: output pixels in blocks of up to 256 with a remainder, patches longer
    // than one block of k (256), out-channels that leave partial panels (and, 260, two blocks of k for the input gradient), a 1-image batch, a patch of 9 (the
    // backprops run natively whatever the patch); each ≥ 1 M multiply-adds, so two threads split them.
    const blocked = [["same", 1, 1, [3, 17, 15, 24], 3, 40], ["valid", 2, 1, [5, 19, 18, 33], 3, 70], ["same", 2, 1, [2, 12, 11, 20], 3, 260],
      ["valid", 1, 2, [2, 15, 14, 16], 3, 33], ["same", 1, 1, [1, 30, 29, 1], 3, 16]] as const;
    for (const [pad, stride, dilation, shape, k, filters] of blocked) {
      const x = normal([...shape], 32);
      const w = tf.mul(normal([k, k, shape[3], filters], 33), 0.2);
      const b = normal([filters], 34);
      const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, stride, pad, "NHWC", dilation);
      const name = `blocked conv2d ${pad} s${stride} d${dilation} [${shape}] k${k}×${filters}`;
      if (dilation !== 1) {
        put(name, f(x, w));
        continue;
      }
      const r = normal(f(x, w).shape, 35);
      put(`${name} and its grads`, [f(x, w), ...tf.grads((xx: tf.Tensor, ww: tf.Tensor) => f(xx, ww).mul(r).sum())([x, w])]);
      const fused = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => conv2dBiasAct(xx as tf.Tensor4D, ww as tf.Tensor4D, bb, [stride, stride], pad, "relu");
      put(`${name} + bias + relu and its grads`, [fused(x, w, b), ...tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => fused(xx, ww, bb).mul(r).sum())([x, w, b])]);
    }
    for (const [shape, k] of [[[2, 7, 7, 16], 3], [[2, 6, 6, 2], 3]] as const) {
      const x = normal([...shape], 13);
      const w = normal([k, k, shape[3], 5], 14);
      const b = normal([5], 15);
      const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ww as tf.Tensor4D, strides: 1, pad: "same", bias: bb });
      put(`fused conv2d + bias ${shape}`, [f(x, w, b), ...tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => f(xx, ww, bb).square().sum())([x, w, b])]);
    }
    // A CNN's batch: large enough for the blocked convolutions and the direct first-layer conv to split over two threads.
    const batch = normal([64, 13, 13, 32], 26);
    const filter = normal([3, 3, 32, 64], 27);
    const conv = (xx: tf.Tensor, ww: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, "valid");
    put("conv2d 64×13×13×32 → 64 and its grads, split by images", [conv(batch, filter), ...tf.grads((xx: tf.Tensor, ww: tf.Tensor) => conv(xx, ww).square().sum())([batch, filter])]);
    put("first-layer conv 64×28×28×1 → 32 + bias + relu, split by images", conv2dBiasAct(normal([64, 28, 28, 1], 28) as tf.Tensor4D, normal([3, 3, 1, 32], 29) as tf.Tensor4D, normal([32], 30), [1, 1], "valid", "relu"));
    const pooled = (a: tf.Tensor) => maxPoolWithArgmax(a as tf.Tensor4D, [2, 2], [2, 2], "valid");
    const feature = normal([64, 26, 26, 32], 31);
    put("max pool with argmax 64×26×26×32, split by images, and its scatter gradient", [pooled(feature), tf.grad((a: tf.Tensor) => pooled(a).mul(feature.slice([0, 0, 0, 0], [64, 13, 13, 32])).sum())(feature)]);
    const activations = normal([2, 5, 4, 7], 16);
    const bias = normal([7], 17);
    put("bias add, both orders, and a non-bias broadcast", [tf.add(activations, bias), tf.add(bias, activations), tf.add(activations, normal([4, 7], 18)), tf.add(normal([3, 7], 19), bias)]);
    put("bias add gradient", tf.grads((xx: tf.Tensor, bb: tf.Tensor) => tf.add(xx, bb).square().sum())([activations, bias]));
    const images = normal([3, 9, 10, 8], 12);
    put("sum over leading axes", [tf.sum(images, [0, 1, 2]), tf.sum(images, 0)]);
    // 1,013 values: whole SIMD blocks and a tail; 40,009: split over two threads, and a tail. AdamW's decay on, three steps.
    for (const size of [1013, 40009]) {
      let [p, m, v] = [normal([size], 20), tf.zeros([size]), tf.zeros([size])];
      for (let t = 1; t <= 3; t++) {
        [p, m, v] = adamUpdate({ param: p, grad: normal([size], 20 + t), m, v, lr: tf.scalar(0.01), t: tf.scalar(t) }, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.01 });
      }
      put(`adam update of ${size}`, [p, m, v]);
    }
    put("maxPool grad", tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, [3, 2], [2, 3], "same").mul(2).sum())(images));
  });
  // A few Adam steps of a small CNN + MLP through fit (the fused update, natively or in JS).
  const model = new Model({
    module: new nn.Sequential([new nn.Conv2D(4, 3), nn.relu, new nn.MaxPool2D(2), new nn.Flatten(), new nn.Linear(300), nn.relu, new nn.Linear(3)]),
    loss: losses.sparseCategoricalCrossentropy({ fromLogits: true }),
    optimizer: optimizers.adamw({ learningRate: 0.01, weightDecay: 0.01 }),
  });
  const x = normal([24, 8, 8, 1], 11);
  const y = tf.tensor1d(Array.from({ length: 24 }, (_, i) => i % 3), "int32");
  await model.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false });
  const predictions = (await model.predict(x)) as tf.Tensor;
  put("fit: predictions after 6 Adam steps", predictions);
  predictions.dispose();
  tf.dispose([x, y]);
  return { native: nativeStatus().loaded, values };
}

if (require.main === module) {
  nativeCases().then((out) => process.stdout.write(JSON.stringify(out) + "\n"));
}
