"""numpy's BLAS on the GEMM shapes of bench/gemm-shapes.json, on one thread. Times are this
thread's CPU time (time.thread_time), the median of 7 batches of calls, so other processes on
the machine disturb them little. Prints one JSON line."""
import json, os, sys, time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"
import numpy as np  # noqa: E402

shapes = json.load(open(sys.argv[1]))
rng = np.random.default_rng(0)
out = []
for s in shapes:
    m, k, n = s["m"], s["k"], s["n"]
    a = rng.standard_normal((k, m) if s["transA"] else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if s["transB"] else (k, n)).astype(np.float32)
    a, b = (a.T if s["transA"] else a), (b.T if s["transB"] else b)  # views: BLAS gets the transpose flags
    c = np.empty((m, n), np.float32)
    calls = max(10, int(4e7 / (2 * m * n * k)))
    for _ in range(calls):
        np.matmul(a, b, out=c)
    times = []
    for _ in range(7):
        start = time.thread_time()
        for _ in range(calls):
            np.matmul(a, b, out=c)
        times.append((time.thread_time() - start) / calls)
    seconds = sorted(times)[3]
    out.append({"name": s["name"], "us": seconds * 1e6, "gflops": 2 * m * n * k / seconds / 1e9})
blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {}) if hasattr(np, "show_config") else {}
print(json.dumps({"numpy": np.__version__, "blas": f"{blas.get('name', '?')} {blas.get('version', '')}".strip(), "shapes": out}))
