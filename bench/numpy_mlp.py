"""Reference line: the same MLP (784-300-100-10, ReLU, Adam 1e-3, batch 64) in plain numpy,
trained on the same MNIST IDX files, its BLAS on `threads` threads (argument 3, default 1; the
rest of numpy runs on one). Prints one JSON line: wall and CPU time (all threads) per step."""
import json, os, sys, time

threads = sys.argv[3] if len(sys.argv) > 3 else "1"
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = threads
import numpy as np  # noqa: E402

data_dir, examples = sys.argv[1], int(sys.argv[2])
with open(os.path.join(data_dir, "train-images-idx3-ubyte"), "rb") as f:
    x = np.frombuffer(f.read(), np.uint8, offset=16)[: examples * 784].reshape(examples, 784).astype(np.float32) / 255
with open(os.path.join(data_dir, "train-labels-idx1-ubyte"), "rb") as f:
    y = np.frombuffer(f.read(), np.uint8, offset=8)[:examples].astype(np.int64)

rng = np.random.default_rng(0)
sizes = [784, 300, 100, 10]
params = []
for i, o in zip(sizes[:-1], sizes[1:]):
    limit = np.sqrt(6 / (i + o))
    params += [rng.uniform(-limit, limit, (i, o)).astype(np.float32), np.zeros(o, np.float32)]
m = [np.zeros_like(p) for p in params]
v = [np.zeros_like(p) for p in params]
t = 0

def epoch(n):
    global t
    order = rng.permutation(n)
    for s in range(0, n, 64):
        idx = order[s : s + 64]
        xb, yb = x[idx], y[idx]
        acts = [xb]
        h = xb
        for k in range(0, len(params), 2):
            h = h @ params[k] + params[k + 1]
            if k < len(params) - 2:
                h = np.maximum(h, 0)
            acts.append(h)
        logits = acts[-1]
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        d = p
        d[np.arange(len(yb)), yb] -= 1
        d /= len(yb)
        grads = [None] * len(params)
        for k in range(len(params) - 2, -1, -2):
            a = acts[k // 2]
            grads[k] = a.T @ d
            grads[k + 1] = d.sum(0)
            if k > 0:
                d = (d @ params[k].T) * (acts[k // 2] > 0)
        t += 1
        for j, g in enumerate(grads):
            m[j] = 0.9 * m[j] + 0.1 * g
            v[j] = 0.999 * v[j] + 0.001 * g * g
            lr = 1e-3 * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
            params[j] -= lr * m[j] / (np.sqrt(v[j]) + 1e-7)

epoch(min(1280, examples))
start, cpu_start = time.perf_counter(), time.process_time()
epoch(examples)
seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
steps = -(-examples // 64)
print(json.dumps({"model": "mlp", "runner": "numpy", "threads": int(threads), "examples": examples, "steps": steps, "seconds": seconds,
                  "msPerStep": seconds / steps * 1000, "cpuMsPerStep": cpu_seconds / steps * 1000}))
