// Optional native kernels for elegy-ts's wasm backend: they compute directly on the wasm
// heap (the WebAssembly.Memory buffer, addressed by the byte offsets of tfjs's dataIdMap),
// so nothing is copied in or out. The hot loops use AVX-512 or AVX2 + FMA when the CPU has
// them (checked at load time; `isa` says which path runs: "avx512", "avx2" or "portable"),
// else portable C++. ELEGY_NATIVE_SIMD=avx2 or =0 forces the narrower paths.
//
//   gemm(heap, a, b, c, batch, m, k, n, transA, transB, aBatchStride, bBatchStride)
//       c[batch][m][n] = op(a)[m][k] · op(b)[k][n]    (float32, row-major, strides in floats)
//   adam(heap, p, g, m, v, outP, outM, outV, size, lr, t, beta1, beta2, epsilon, weightDecay)
//   im2col(heap, x, cols, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW)
//   col2im(heap, cols, dx, ...same geometry)   (scatter-add; dx is overwritten)
//   sumRows(heap, x, out, rows, cols)          out[c] = Σ_r x[r][c]
//   maxPoolGrad(heap, x, dy, dx, batch, h, w, c, outH, outW, fh, fw, sh, sw, padTop, padLeft)
//   allFinite(float32Array) → boolean        (host arrays: fit's input check)
//   addBias(heap, x, bias, out, rows, cols)    out[r][c] = x[r][c] + bias[c] (out may be x)
//   biasRelu(heap, x, bias, out, rows, cols, relu)  out = act(x + bias); bias -1 = none (out may be x)
//   reluBiasGrad(heap, dy, y, g, dbias, rows, cols)  g = y > 0 ? dy : 0, dbias[c] = Σ_r g[r][c] (dbias -1 = none)
//   maxPoolArgmax(heap, x, y, argmax, batch, h, w, c, outH, outW, fh, fw, sh, sw, padTop, padLeft)
//       y = each window's max, argmax = flat index into x of its first maximum (int32)
//   maxPoolScatter(heap, dy, argmax, dx, outSize, inSize)  dx = 0, dx[argmax[i]] += dy[i]
//   convBiasActDirect(heap, x, filter, bias, out, ...conv geometry, outChannels, relu)
//       act(conv2d(x, filter) + bias) computed directly (for short patches, e.g. 1-channel images)
//   convFilterGradDirect(heap, x, dy, y, dw, dbias, ...conv geometry, outChannels, relu)
//       dw = Σ x-patch ⊗ g and dbias = Σ g, with g = relu ? (y > 0 ? dy : 0) : dy, g never stored
//   threads() / setThreads(n) → how many threads large GEMMs and Adam updates use (1 or 2;
//       ELEGY_NATIVE_THREADS sets the start, default 2 where the machine has 2 cores or more)
#define NAPI_VERSION 8
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ELEGY_X86 1
#endif

namespace {

bool g_simd = false;
bool g_avx512 = false;  // 6×32 micro-kernel on zmm registers

// ---------------------------------------------------------------------------------------
// The second core, inside a kernel: large GEMMs, Adam updates, im2col/col2im, the direct conv
// and max pooling split their output in two; the calling thread computes one half and a helper
// thread the other (as XNNPACK's or MKL's thread pools do). Every output value is computed by the
// same operations in the same order as on one thread, so results are bit for bit the same. One
// helper per process, shared by the threads that call in: whoever finds it busy with another
// caller's job runs both halves itself.
// After a job the helper spins for a while before it sleeps: a training step's kernels come
// every few hundred µs, and waking a sleeping thread took 30–150 µs on the VMs we measured.
// A helper that has not started on a half by the time the caller finishes its own (asleep, or
// its core given to V8's GC threads: 5 % of the MLP's halves started > 0.5 ms late) loses it to
// the caller, which then computes both, as on one thread. Both waits yield the core on each turn
// rather than pause: with more busy threads than cores (two training processes, each with its
// helper), a pausing spinner held a core the other process's main thread needed, and steps took
// ~10× longer; yielding, ~1.3×.
std::atomic<int> g_threads{1};
constexpr auto HELPER_SPIN = std::chrono::milliseconds(2);

struct Helper {
  std::mutex owner;  // held by the caller whose job the helper runs
  std::mutex lock;   // guards the sleep
  std::condition_variable wake;
  // Tickets: `posted` is the caller's latest job, `claimed` the latest one someone took the second half of
  // (the helper, or the caller itself when the helper had not started by the time its own half was done),
  // `done` the latest the helper finished. `ran` counts the halves the helper computed.
  std::atomic<uint64_t> posted{0}, claimed{0}, done{0}, ran{0};
  void (*job)(void*, int) = nullptr;
  void* context = nullptr;

  void loop() {
    uint64_t seen = 0;
    for (;;) {
      const auto since = std::chrono::steady_clock::now();
      while (posted.load(std::memory_order_acquire) == seen) {
        if (std::chrono::steady_clock::now() - since < HELPER_SPIN) {
          std::this_thread::yield();
          continue;
        }
        std::unique_lock<std::mutex> held(lock);
        wake.wait(held, [&] { return posted.load(std::memory_order_acquire) != seen; });
      }
      seen = posted.load(std::memory_order_acquire);
      uint64_t expected = seen - 1;
      if (!claimed.compare_exchange_strong(expected, seen, std::memory_order_acq_rel)) continue;  // the caller took it
      job(context, 1);
      ran.fetch_add(1, std::memory_order_relaxed);
      done.store(seen, std::memory_order_release);
    }
  }
};

std::atomic<bool> g_helper_started{false};

Helper& helper() {
  // Never destroyed: the detached thread may still run while the process exits.
  static Helper* h = [] {
    g_helper_started = true;
    Helper* made = new Helper();
    std::thread([made] { made->loop(); }).detach();
    return made;
  }();
  return *h;
}

/**
 * Runs part(0) here and part(1) on the helper, or both here when one thread is set, the helper is busy
 * with another caller's job, or it has not started on this one by the time part(0) is done.
 */
template <class Part>
void in_two(Part&& part) {
  if (g_threads.load(std::memory_order_relaxed) < 2) {
    part(0);
    part(1);
    return;
  }
  Helper& h = helper();
  if (!h.owner.try_lock()) {
    part(0);
    part(1);
    return;
  }
  using Body = std::remove_reference_t<Part>;
  h.job = [](void* context, int which) { (*static_cast<Body*>(context))(which); };
  h.context = &part;
  const uint64_t ticket = h.posted.load(std::memory_order_relaxed) + 1;
  {
    std::lock_guard<std::mutex> held(h.lock);  // so the helper cannot miss the wake-up between its check and its wait
    h.posted.store(ticket, std::memory_order_release);
  }
  h.wake.notify_one();
  part(0);
  // A helper that has not started yet (asleep, or its core given to another thread) would make this
  // thread wait longer than computing the half itself: take it back.
  uint64_t expected = ticket - 1;
  if (h.claimed.compare_exchange_strong(expected, ticket, std::memory_order_acq_rel)) {
    part(1);
  } else {
    while (h.done.load(std::memory_order_acquire) != ticket) std::this_thread::yield();
  }
  h.owner.unlock();
}

/** Where to cut [0, n) in two, at a multiple of `unit`; 0 when it is too short to cut. */
inline int64_t cut(int64_t n, int64_t unit) {
  if (n < 2 * unit) return 0;
  return (n / 2 + unit - 1) / unit * unit;
}

/** body(begin, end) over [0, n): in two halves cut at a multiple of `unit`, on two threads, when `big`; else at once. */
template <class Body>
void in_halves(int64_t n, int64_t unit, bool big, Body&& body) {
  const int64_t half = big ? cut(n, unit) : 0;
  if (half == 0) return body(int64_t{0}, n);
  in_two([&](int part) { part == 0 ? body(int64_t{0}, half) : body(half, n); });
}

// ---------------------------------------------------------------------------------------
// GEMM: BLIS-style blocking over k and n; B packed in panels of NR columns, A read in place.
constexpr int MR = 6;
constexpr int NR = 16;     // B panel width for AVX2 / portable
constexpr int NR_MAX = 32; // for AVX-512
constexpr int KC = 256;
constexpr int NC = 3072; // multiple of NR

struct Matrix {
  const float* data;
  int64_t rows, cols;  // of op(matrix)
  bool transposed;     // element (i, j) of op(matrix) is data[j * rows + i]
  float at(int64_t i, int64_t j) const { return transposed ? data[j * rows + i] : data[i * cols + j]; }
};

void pack_b(const Matrix& b, int64_t p0, int64_t kc, int64_t j0, int64_t nc, int64_t nr, float* out) {
  for (int64_t jr = 0; jr < nc; jr += nr) {
    const int64_t cols = nc - jr < nr ? nc - jr : nr;
    float* panel = out + jr * kc;
    if (b.transposed) {
      // op(B)(p, j) = data[j * rows + p]: read each column of op(B) contiguously.
      for (int64_t c = 0; c < nr; c++) {
        if (c >= cols) {
          for (int64_t p = 0; p < kc; p++) panel[p * nr + c] = 0.0f;
          continue;
        }
        const float* src = b.data + (j0 + jr + c) * b.rows + p0;
        for (int64_t p = 0; p < kc; p++) panel[p * nr + c] = src[p];
      }
    } else {
      for (int64_t p = 0; p < kc; p++) {
        const float* src = b.data + (p0 + p) * b.cols + j0 + jr;
        float* dst = panel + p * nr;
        if (cols == nr) {
          std::memcpy(dst, src, nr * sizeof(float));
        } else {
          for (int64_t c = 0; c < nr; c++) dst[c] = c < cols ? src[c] : 0.0f;
        }
      }
    }
  }
}

// acc[MR][NR] = Σ_p A(r, p) · bp[p][c], with A(r, p) = rows[r][p * ks] read in place (no
// packing: for the thin matrices of a training step, packing A cost as much as the product).
void micro_portable(int64_t kc, const float* const* rows, int64_t ks, const float* bp, float* acc) {
  for (int i = 0; i < MR * NR; i++) acc[i] = 0.0f;
  for (int64_t p = 0; p < kc; p++) {
    for (int r = 0; r < MR; r++) {
      const float av = rows[r][p * ks];
      for (int c = 0; c < NR; c++) acc[r * NR + c] += av * bp[p * NR + c];
    }
  }
}

#ifdef ELEGY_X86
__attribute__((target("avx2,fma"))) void micro_avx2(int64_t kc, const float* const* rows, int64_t ks, const float* bp, float* acc) {
  const float *a0 = rows[0], *a1 = rows[1], *a2 = rows[2], *a3 = rows[3], *a4 = rows[4], *a5 = rows[5];
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(bp);
    const __m256 b1 = _mm256_loadu_ps(bp + 8);
    const int64_t at = p * ks;
    __m256 a = _mm256_broadcast_ss(a0 + at);
    c00 = _mm256_fmadd_ps(a, b0, c00); c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(a1 + at);
    c10 = _mm256_fmadd_ps(a, b0, c10); c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(a2 + at);
    c20 = _mm256_fmadd_ps(a, b0, c20); c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(a3 + at);
    c30 = _mm256_fmadd_ps(a, b0, c30); c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(a4 + at);
    c40 = _mm256_fmadd_ps(a, b0, c40); c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(a5 + at);
    c50 = _mm256_fmadd_ps(a, b0, c50); c51 = _mm256_fmadd_ps(a, b1, c51);
    bp += NR;
  }
  _mm256_storeu_ps(acc + 0, c00); _mm256_storeu_ps(acc + 8, c01);
  _mm256_storeu_ps(acc + 16, c10); _mm256_storeu_ps(acc + 24, c11);
  _mm256_storeu_ps(acc + 32, c20); _mm256_storeu_ps(acc + 40, c21);
  _mm256_storeu_ps(acc + 48, c30); _mm256_storeu_ps(acc + 56, c31);
  _mm256_storeu_ps(acc + 64, c40); _mm256_storeu_ps(acc + 72, c41);
  _mm256_storeu_ps(acc + 80, c50); _mm256_storeu_ps(acc + 88, c51);
}

__attribute__((target("avx512f"))) void micro_avx512(int64_t kc, const float* const* rows, int64_t ks, const float* bp, float* acc) {
  const float *a0 = rows[0], *a1 = rows[1], *a2 = rows[2], *a3 = rows[3], *a4 = rows[4], *a5 = rows[5];
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
  __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(), c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
  __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_loadu_ps(bp);
    const __m512 b1 = _mm512_loadu_ps(bp + 16);
    const int64_t at = p * ks;
    __m512 a = _mm512_set1_ps(a0[at]);
    c00 = _mm512_fmadd_ps(a, b0, c00); c01 = _mm512_fmadd_ps(a, b1, c01);
    a = _mm512_set1_ps(a1[at]);
    c10 = _mm512_fmadd_ps(a, b0, c10); c11 = _mm512_fmadd_ps(a, b1, c11);
    a = _mm512_set1_ps(a2[at]);
    c20 = _mm512_fmadd_ps(a, b0, c20); c21 = _mm512_fmadd_ps(a, b1, c21);
    a = _mm512_set1_ps(a3[at]);
    c30 = _mm512_fmadd_ps(a, b0, c30); c31 = _mm512_fmadd_ps(a, b1, c31);
    a = _mm512_set1_ps(a4[at]);
    c40 = _mm512_fmadd_ps(a, b0, c40); c41 = _mm512_fmadd_ps(a, b1, c41);
    a = _mm512_set1_ps(a5[at]);
    c50 = _mm512_fmadd_ps(a, b0, c50); c51 = _mm512_fmadd_ps(a, b1, c51);
    bp += 32;
  }
  _mm512_storeu_ps(acc + 0, c00); _mm512_storeu_ps(acc + 16, c01);
  _mm512_storeu_ps(acc + 32, c10); _mm512_storeu_ps(acc + 48, c11);
  _mm512_storeu_ps(acc + 64, c20); _mm512_storeu_ps(acc + 80, c21);
  _mm512_storeu_ps(acc + 96, c30); _mm512_storeu_ps(acc + 112, c31);
  _mm512_storeu_ps(acc + 128, c40); _mm512_storeu_ps(acc + 144, c41);
  _mm512_storeu_ps(acc + 160, c50); _mm512_storeu_ps(acc + 176, c51);
}
#endif

// Rows [i_begin, i_end) × columns [j_begin, j_end) of c = op(a) · op(b) (k > 0).
void gemm_block(const Matrix& a, const Matrix& b, float* c, int64_t i_begin, int64_t i_end, int64_t j_begin, int64_t j_end) {
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  // B's packing buffer, sized for this call's blocks and kept between calls (never re-zeroed:
  // packing writes every element the kernel reads).
  static thread_local std::vector<float> bp;
  const int64_t kcMax = k < KC ? k : KC;
  const int64_t nr = g_avx512 ? NR_MAX : NR;
  const size_t bNeed = static_cast<size_t>(((n < NC ? n : NC) + nr - 1) / nr * nr * kcMax);
  if (bp.size() < bNeed) bp.resize(bNeed);
  // A(i, p) = a.data[i * rs + p * ks], read in place.
  const int64_t rs = a.transposed ? 1 : k;
  const int64_t ks = a.transposed ? m : 1;
  alignas(64) float acc[MR * NR_MAX];
  const float* rows[MR];
  for (int64_t j0 = j_begin; j0 < j_end; j0 += NC) {
    const int64_t nc = j_end - j0 < NC ? j_end - j0 : NC;
    for (int64_t p0 = 0; p0 < k; p0 += KC) {
      const int64_t kc = k - p0 < KC ? k - p0 : KC;
      pack_b(b, p0, kc, j0, nc, nr, bp.data());
      for (int64_t i0 = i_begin; i0 < i_end; i0 += MR) {
        const int64_t count = i_end - i0 < MR ? i_end - i0 : MR;
        // Rows past the end repeat the first row: valid memory, results discarded.
        for (int r = 0; r < MR; r++) rows[r] = a.data + (i0 + (r < count ? r : 0)) * rs + p0 * ks;
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const int64_t cols = nc - jr < nr ? nc - jr : nr;
          const float* bpanel = bp.data() + jr * kc;
#ifdef ELEGY_X86
          if (g_avx512) micro_avx512(kc, rows, ks, bpanel, acc);
          else if (g_simd) micro_avx2(kc, rows, ks, bpanel, acc);
          else micro_portable(kc, rows, ks, bpanel, acc);
#else
          micro_portable(kc, rows, ks, bpanel, acc);
#endif
          for (int64_t r = 0; r < count; r++) {
            float* row = c + (i0 + r) * n + j0 + jr;
            const float* from = acc + r * nr;
            if (p0 == 0) {
              for (int64_t cc = 0; cc < cols; cc++) row[cc] = from[cc];
            } else {
              for (int64_t cc = 0; cc < cols; cc++) row[cc] += from[cc];
            }
          }
        }
      }
    }
  }
}

// Products below this many multiply-adds stay on one thread (handing over costs a few µs).
constexpr double PARALLEL_MIN_MACS = 1 << 20;

void gemm(const Matrix& a, const Matrix& b, float* c) {
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  if (k == 0) {
    std::memset(c, 0, sizeof(float) * m * n);
    return;
  }
  const int64_t nr = g_avx512 ? NR_MAX : NR;
  const bool big = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) >= PARALLEL_MIN_MACS;
  // Cut the columns (each thread packs only its own panels of B), else the rows.
  if (big && cut(n, nr) > 0) {
    in_halves(n, nr, true, [&](int64_t j0, int64_t j1) { gemm_block(a, b, c, 0, m, j0, j1); });
  } else {
    in_halves(m, MR, big, [&](int64_t i0, int64_t i1) { gemm_block(a, b, c, i0, i1, 0, n); });
  }
}

// ---------------------------------------------------------------------------------------
// Adam: the optimizer's math in float32, op by op as tf.train.adam's composed kernels do it
// (m̂ = m/c1, v̂ = v/c2, p − lr·m̂/(√v̂ + ε)), so every path here rounds as the composed ops do.
// Three divisions and a square root per value: float32 lanes do 16 (AVX-512) or 8 (AVX2) at a
// time, which leaves the update bound by memory.
struct AdamScalars {
  float lr, c1, c2, keep1, take1, keep2, take2, eps, decay;
};

inline void adam_portable(int64_t n, const float* p, const float* g, const float* m, const float* v, float* op, float* om, float* ov,
                          const AdamScalars& s) {
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = s.keep1 * m[i] + s.take1 * gi;
    const float vi = s.keep2 * v[i] + s.take2 * (gi * gi);
    om[i] = mi;
    ov[i] = vi;
    const float pi = s.decay == 0 ? p[i] : p[i] - p[i] * s.decay;
    op[i] = pi - s.lr * ((mi / s.c1) / (std::sqrt(vi / s.c2) + s.eps));
  }
}

#ifdef ELEGY_X86
__attribute__((target("avx2,fma"))) void adam_avx2(int64_t n, const float* p, const float* g, const float* m, const float* v, float* op,
                                                   float* om, float* ov, const AdamScalars& s) {
  const __m256 k1 = _mm256_set1_ps(s.keep1), t1 = _mm256_set1_ps(s.take1), k2 = _mm256_set1_ps(s.keep2), t2 = _mm256_set1_ps(s.take2);
  const __m256 lr = _mm256_set1_ps(s.lr), c1 = _mm256_set1_ps(s.c1), c2 = _mm256_set1_ps(s.c2), eps = _mm256_set1_ps(s.eps);
  const __m256 decay = _mm256_set1_ps(s.decay);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 gi = _mm256_loadu_ps(g + i);
    const __m256 mi = _mm256_add_ps(_mm256_mul_ps(k1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(t1, gi));
    const __m256 vi = _mm256_add_ps(_mm256_mul_ps(k2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(t2, _mm256_mul_ps(gi, gi)));
    _mm256_storeu_ps(om + i, mi);
    _mm256_storeu_ps(ov + i, vi);
    __m256 pi = _mm256_loadu_ps(p + i);
    if (s.decay != 0) pi = _mm256_sub_ps(pi, _mm256_mul_ps(pi, decay));
    const __m256 step = _mm256_div_ps(_mm256_div_ps(mi, c1), _mm256_add_ps(_mm256_sqrt_ps(_mm256_div_ps(vi, c2)), eps));
    _mm256_storeu_ps(op + i, _mm256_sub_ps(pi, _mm256_mul_ps(lr, step)));
  }
  adam_portable(n - i, p + i, g + i, m + i, v + i, op + i, om + i, ov + i, s);
}

// GCC 12 warns that _mm512_sqrt_ps's own undefined pass-through "may be used uninitialized".
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f"))) void adam_avx512(int64_t n, const float* p, const float* g, const float* m, const float* v, float* op,
                                                    float* om, float* ov, const AdamScalars& s) {
  const __m512 k1 = _mm512_set1_ps(s.keep1), t1 = _mm512_set1_ps(s.take1), k2 = _mm512_set1_ps(s.keep2), t2 = _mm512_set1_ps(s.take2);
  const __m512 lr = _mm512_set1_ps(s.lr), c1 = _mm512_set1_ps(s.c1), c2 = _mm512_set1_ps(s.c2), eps = _mm512_set1_ps(s.eps);
  const __m512 decay = _mm512_set1_ps(s.decay);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 gi = _mm512_loadu_ps(g + i);
    const __m512 mi = _mm512_add_ps(_mm512_mul_ps(k1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(t1, gi));
    const __m512 vi = _mm512_add_ps(_mm512_mul_ps(k2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(t2, _mm512_mul_ps(gi, gi)));
    _mm512_storeu_ps(om + i, mi);
    _mm512_storeu_ps(ov + i, vi);
    __m512 pi = _mm512_loadu_ps(p + i);
    if (s.decay != 0) pi = _mm512_sub_ps(pi, _mm512_mul_ps(pi, decay));
    const __m512 step = _mm512_div_ps(_mm512_div_ps(mi, c1), _mm512_add_ps(_mm512_sqrt_ps(_mm512_div_ps(vi, c2)), eps));
    _mm512_storeu_ps(op + i, _mm512_sub_ps(pi, _mm512_mul_ps(lr, step)));
  }
  adam_portable(n - i, p + i, g + i, m + i, v + i, op + i, om + i, ov + i, s);
}
#pragma GCC diagnostic pop
#endif

// ---------------------------------------------------------------------------------------
// im2col / col2im for NHWC convolutions: cols[(b, oh, ow)][(fh, fw, ci)].
struct ConvGeometry {
  int64_t batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW;
};

// Runs body(images, first) over the batch's images, in two halves on two threads when the batch is
// large (`values`: what the whole call writes). Each image is computed as on one thread.
template <class Body>
void by_images(const ConvGeometry& g, int64_t values, Body&& body) {
  in_halves(g.batch, 1, values >= (1 << 18), [&](int64_t first, int64_t end) {
    ConvGeometry sub = g;
    sub.batch = end - first;
    body(sub, first);
  });
}

void im2col(const ConvGeometry& g, const float* x, float* cols) {
  const int64_t rowLen = g.kh * g.kw * g.c;
  for (int64_t b = 0; b < g.batch; b++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW; ow++) {
        float* row = cols + ((b * g.outH + oh) * g.outW + ow) * rowLen;
        for (int64_t fh = 0; fh < g.kh; fh++) {
          const int64_t ih = oh * g.strideH - g.padTop + fh * g.dilH;
          for (int64_t fw = 0; fw < g.kw; fw++) {
            const int64_t iw = ow * g.strideW - g.padLeft + fw * g.dilW;
            float* dst = row + (fh * g.kw + fw) * g.c;
            if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) {
              std::memset(dst, 0, sizeof(float) * g.c);
            } else {
              std::memcpy(dst, x + ((b * g.h + ih) * g.w + iw) * g.c, sizeof(float) * g.c);
            }
          }
        }
      }
    }
  }
}

void col2im(const ConvGeometry& g, const float* cols, float* dx) {
  std::memset(dx, 0, sizeof(float) * g.batch * g.h * g.w * g.c);
  const int64_t rowLen = g.kh * g.kw * g.c;
  for (int64_t b = 0; b < g.batch; b++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW; ow++) {
        const float* row = cols + ((b * g.outH + oh) * g.outW + ow) * rowLen;
        for (int64_t fh = 0; fh < g.kh; fh++) {
          const int64_t ih = oh * g.strideH - g.padTop + fh * g.dilH;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t fw = 0; fw < g.kw; fw++) {
            const int64_t iw = ow * g.strideW - g.padLeft + fw * g.dilW;
            if (iw < 0 || iw >= g.w) continue;
            const float* src = row + (fh * g.kw + fw) * g.c;
            float* dst = dx + ((b * g.h + ih) * g.w + iw) * g.c;
            for (int64_t ci = 0; ci < g.c; ci++) dst[ci] += src[ci];
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Sum over leading axes: out[c] = Σ_r x[r][c], accumulated in double (as tfjs-cpu).
void sum_rows(const float* x, float* out, int64_t rows, int64_t cols) {
  static thread_local std::vector<double> acc;
  acc.assign(static_cast<size_t>(cols), 0.0);
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    for (int64_t c = 0; c < cols; c++) acc[c] += row[c];
  }
  for (int64_t c = 0; c < cols; c++) out[c] = static_cast<float>(acc[c]);
}

// MaxPoolGrad (NHWC): each window routes its gradient to its first maximum (tfjs's rule).
struct PoolGeometry {
  int64_t batch, h, w, c, outH, outW, fh, fw, sh, sw, padTop, padLeft;
};

void max_pool_grad(const PoolGeometry& g, const float* x, const float* dy, float* dx) {
  std::memset(dx, 0, sizeof(float) * g.batch * g.h * g.w * g.c);
  std::vector<float> best(static_cast<size_t>(g.c));
  std::vector<int64_t> at(static_cast<size_t>(g.c));
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW; ow++) {
        std::fill(at.begin(), at.end(), -1);
        for (int64_t fh = 0; fh < g.fh; fh++) {
          const int64_t ih = oh * g.sh - g.padTop + fh;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t fw = 0; fw < g.fw; fw++) {
            const int64_t iw = ow * g.sw - g.padLeft + fw;
            if (iw < 0 || iw >= g.w) continue;
            const int64_t base = ((n * g.h + ih) * g.w + iw) * g.c;
            for (int64_t ci = 0; ci < g.c; ci++) {
              const float v = x[base + ci];
              if (v > best[ci] || at[ci] < 0) {
                best[ci] = v;
                at[ci] = base + ci;
              }
            }
          }
        }
        const float* grad = dy + ((n * g.outH + oh) * g.outW + ow) * g.c;
        for (int64_t ci = 0; ci < g.c; ci++) if (at[ci] >= 0) dx[at[ci]] += grad[ci];
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Bias + ReLU after a GEMM, and the ReLU mask fused with the bias gradient (one pass each).
void bias_relu(const float* x, const float* bias, float* out, int64_t rows, int64_t cols, bool relu) {
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    float* dst = out + r * cols;
    for (int64_t c = 0; c < cols; c++) {
      const float v = bias ? row[c] + bias[c] : row[c];
      // `v < 0 ? 0 : v` keeps NaN, as tf.relu does.
      dst[c] = relu && v < 0 ? 0.0f : v;
    }
  }
}

// The mask is a bitwise AND (no branch: y > 0 is a coin flip on real activations, and a
// mispredicted branch per element made this 8× slower than the memory traffic).
inline float relu_mask(float dy, float y) {
  uint32_t bits;
  std::memcpy(&bits, &dy, 4);
  bits &= 0u - static_cast<uint32_t>(y > 0);
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

void relu_bias_grad_portable(const float* __restrict dy, const float* __restrict y, float* __restrict g, double* acc, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++) {
    const float* dyr = dy + r * cols;
    const float* yr = y + r * cols;
    float* gr = g + r * cols;
    for (int64_t c = 0; c < cols; c++) gr[c] = relu_mask(dyr[c], yr[c]);
    if (acc) for (int64_t c = 0; c < cols; c++) acc[c] += gr[c];
  }
}

#ifdef ELEGY_X86
__attribute__((target("avx2"))) void relu_bias_grad_avx2(const float* __restrict dy, const float* __restrict y, float* __restrict g, double* acc,
                                                         int64_t rows, int64_t cols) {
  const __m256 zero = _mm256_setzero_ps();
  const int64_t vec = cols / 8 * 8;
  for (int64_t r = 0; r < rows; r++) {
    const float* dyr = dy + r * cols;
    const float* yr = y + r * cols;
    float* gr = g + r * cols;
    int64_t c = 0;
    for (; c < vec; c += 8) {
      const __m256 v = _mm256_and_ps(_mm256_loadu_ps(dyr + c), _mm256_cmp_ps(_mm256_loadu_ps(yr + c), zero, _CMP_GT_OQ));
      _mm256_storeu_ps(gr + c, v);
      if (acc) {
        _mm256_storeu_pd(acc + c, _mm256_add_pd(_mm256_loadu_pd(acc + c), _mm256_cvtps_pd(_mm256_castps256_ps128(v))));
        _mm256_storeu_pd(acc + c + 4, _mm256_add_pd(_mm256_loadu_pd(acc + c + 4), _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1))));
      }
    }
    for (; c < cols; c++) {
      gr[c] = relu_mask(dyr[c], yr[c]);
      if (acc) acc[c] += gr[c];
    }
  }
}
#endif

void relu_bias_grad(const float* dy, const float* y, float* g, float* dbias, int64_t rows, int64_t cols) {
  static thread_local std::vector<double> accumulators;
  double* acc = nullptr;
  if (dbias) {
    accumulators.assign(static_cast<size_t>(cols), 0.0);
    acc = accumulators.data();
  }
#ifdef ELEGY_X86
  if (g_simd) relu_bias_grad_avx2(dy, y, g, acc, rows, cols);
  else relu_bias_grad_portable(dy, y, g, acc, rows, cols);
#else
  relu_bias_grad_portable(dy, y, g, acc, rows, cols);
#endif
  if (dbias) for (int64_t c = 0; c < cols; c++) dbias[c] = static_cast<float>(acc[c]);
}

// One window tap over the channels: keep the running max and its index where v > max.
inline void argmax_tap_portable(const float* __restrict xs, float* __restrict yo, int32_t* __restrict io, int32_t at, int64_t c) {
  for (int64_t ci = 0; ci < c; ci++) {
    const float v = xs[ci];
    const bool greater = v > yo[ci];
    yo[ci] = greater ? v : yo[ci];
    io[ci] = greater ? at + static_cast<int32_t>(ci) : io[ci];
  }
}

#ifdef ELEGY_X86
__attribute__((target("avx2"))) void argmax_tap_avx2(const float* xs, float* yo, int32_t* io, int32_t at, int64_t c) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  int64_t ci = 0;
  for (; ci + 8 <= c; ci += 8) {
    const __m256 v = _mm256_loadu_ps(xs + ci);
    const __m256 best = _mm256_loadu_ps(yo + ci);
    const __m256 greater = _mm256_cmp_ps(v, best, _CMP_GT_OQ);
    _mm256_storeu_ps(yo + ci, _mm256_blendv_ps(best, v, greater));
    const __m256i index = _mm256_add_epi32(_mm256_set1_epi32(at + static_cast<int32_t>(ci)), lane);
    const __m256i old = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(io + ci));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(io + ci),
                        _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(old), _mm256_castsi256_ps(index), greater)));
  }
  argmax_tap_portable(xs + ci, yo + ci, io + ci, at + static_cast<int32_t>(ci), c - ci);
}
#endif

// Max pooling that records each window's first maximum (tfjs's rule, scan order h, w), so the
// gradient is a scatter instead of a second scan of x.
// Images [first, end) of the batch (indices stay flat indices into the whole x).
void max_pool_argmax(const PoolGeometry& g, const float* x, float* y, int32_t* argmax, int64_t first, int64_t end) {
  for (int64_t n = first; n < end; n++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW; ow++) {
        const int64_t o = ((n * g.outH + oh) * g.outW + ow) * g.c;
        float* __restrict yo = y + o;
        int32_t* __restrict io = argmax + o;
        bool first = true;
        for (int64_t fh = 0; fh < g.fh; fh++) {
          const int64_t ih = oh * g.sh - g.padTop + fh;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t fw = 0; fw < g.fw; fw++) {
            const int64_t iw = ow * g.sw - g.padLeft + fw;
            if (iw < 0 || iw >= g.w) continue;
            const int64_t base = ((n * g.h + ih) * g.w + iw) * g.c;
            const float* __restrict xs = x + base;
            if (first) {
              for (int64_t ci = 0; ci < g.c; ci++) {
                yo[ci] = xs[ci];
                io[ci] = static_cast<int32_t>(base + ci);
              }
              first = false;
              continue;
            }
#ifdef ELEGY_X86
            if (g_simd) argmax_tap_avx2(xs, yo, io, static_cast<int32_t>(base), g.c);
            else argmax_tap_portable(xs, yo, io, static_cast<int32_t>(base), g.c);
#else
            argmax_tap_portable(xs, yo, io, static_cast<int32_t>(base), g.c);
#endif
          }
        }
        if (first) {
          // A window entirely in the padding (not produced by "valid"/"same"): no input.
          for (int64_t ci = 0; ci < g.c; ci++) {
            yo[ci] = 0.0f;
            io[ci] = -1;
          }
        }
      }
    }
  }
}

void max_pool_scatter(const float* dy, const int32_t* argmax, float* dx, int64_t outSize, int64_t inSize) {
  std::memset(dx, 0, sizeof(float) * inSize);
  for (int64_t i = 0; i < outSize; i++) {
    const int32_t at = argmax[i];
    if (at >= 0 && at < inSize) dx[at] += dy[i];
  }
}

// ---------------------------------------------------------------------------------------
// Direct convolutions for short patches (kh·kw·in small, e.g. a first layer on 1-channel
// images), where im2col + GEMM spends its time on tiny copies: each output pixel's out-channel
// vector is accumulated tap by tap, with the bias and ReLU applied before it is stored. The
// filter gradient folds the ReLU mask and the bias sum into the same pass over dy, so the
// masked gradient is never written. One body, compiled twice (AVX2/FMA and portable).
inline __attribute__((always_inline)) void conv_bias_act_direct_body(const ConvGeometry& g, int64_t cout, const float* x, const float* filter,
                                                                    const float* bias, float* out, bool relu) {
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW; ow++) {
        float* __restrict acc = out + ((n * g.outH + oh) * g.outW + ow) * cout;
        for (int64_t co = 0; co < cout; co++) acc[co] = bias ? bias[co] : 0.0f;
        for (int64_t fh = 0; fh < g.kh; fh++) {
          const int64_t ih = oh * g.strideH - g.padTop + fh * g.dilH;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t fw = 0; fw < g.kw; fw++) {
            const int64_t iw = ow * g.strideW - g.padLeft + fw * g.dilW;
            if (iw < 0 || iw >= g.w) continue;
            const float* xs = x + ((n * g.h + ih) * g.w + iw) * g.c;
            const float* __restrict wt = filter + (fh * g.kw + fw) * g.c * cout;
            for (int64_t ci = 0; ci < g.c; ci++) {
              const float xv = xs[ci];
              const float* __restrict row = wt + ci * cout;
              for (int64_t co = 0; co < cout; co++) acc[co] += xv * row[co];
            }
          }
        }
        if (relu) for (int64_t co = 0; co < cout; co++) acc[co] = acc[co] < 0 ? 0.0f : acc[co];
      }
    }
  }
}

inline __attribute__((always_inline)) void conv_filter_grad_direct_body(const ConvGeometry& g, int64_t cout, const float* x, const float* dy,
                                                                       const float* y, float* dw, double* dbias, bool relu, float* gbuf) {
  std::memset(dw, 0, sizeof(float) * g.kh * g.kw * g.c * cout);
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW; ow++) {
        const int64_t pixel = ((n * g.outH + oh) * g.outW + ow) * cout;
        float* __restrict gv = gbuf;
        if (relu) {
          for (int64_t co = 0; co < cout; co++) gv[co] = relu_mask(dy[pixel + co], y[pixel + co]);
        } else {
          for (int64_t co = 0; co < cout; co++) gv[co] = dy[pixel + co];
        }
        if (dbias) for (int64_t co = 0; co < cout; co++) dbias[co] += gv[co];
        for (int64_t fh = 0; fh < g.kh; fh++) {
          const int64_t ih = oh * g.strideH - g.padTop + fh * g.dilH;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t fw = 0; fw < g.kw; fw++) {
            const int64_t iw = ow * g.strideW - g.padLeft + fw * g.dilW;
            if (iw < 0 || iw >= g.w) continue;
            const float* xs = x + ((n * g.h + ih) * g.w + iw) * g.c;
            float* wt = dw + (fh * g.kw + fw) * g.c * cout;
            for (int64_t ci = 0; ci < g.c; ci++) {
              const float xv = xs[ci];
              float* __restrict row = wt + ci * cout;
              for (int64_t co = 0; co < cout; co++) row[co] += xv * gv[co];
            }
          }
        }
      }
    }
  }
}

void conv_bias_act_direct_portable(const ConvGeometry& g, int64_t cout, const float* x, const float* f, const float* b, float* out, bool relu) {
  conv_bias_act_direct_body(g, cout, x, f, b, out, relu);
}
void conv_filter_grad_direct_portable(const ConvGeometry& g, int64_t cout, const float* x, const float* dy, const float* y, float* dw, double* db,
                                      bool relu, float* gbuf) {
  conv_filter_grad_direct_body(g, cout, x, dy, y, dw, db, relu, gbuf);
}
#ifdef ELEGY_X86
// AVX2 for out-channel counts that fill whole registers (8·V ≤ 64): a pixel's outputs stay in V
// registers over all taps; the filter gradient works on blocks of pixels whose masked gradients
// sit in a small buffer, accumulating each (tap, in-channel) row of dw in V registers.
// One output pixel (P = 1) or two neighbours along the width (P = 2: each filter row loaded
// once feeds both, and twice the independent FMA chains), all out-channels in registers.
template <int V, int P>
__attribute__((target("avx2,fma"), always_inline)) inline void conv_direct_pixels(const ConvGeometry& g, const float* x, const float* filter,
                                                                              const float* bias, float* out, bool relu, int64_t n, int64_t oh,
                                                                              int64_t ow) {
  constexpr int64_t cout = V * 8;
  const __m256 zero = _mm256_setzero_ps();
  __m256 acc[P][V];
  for (int p = 0; p < P; p++)
    for (int v = 0; v < V; v++) acc[p][v] = bias ? _mm256_loadu_ps(bias + 8 * v) : zero;
  const int64_t iw0 = ow * g.strideW - g.padLeft;
  for (int64_t fh = 0; fh < g.kh; fh++) {
    const int64_t ih = oh * g.strideH - g.padTop + fh * g.dilH;
    if (ih < 0 || ih >= g.h) continue;
    for (int64_t fw = 0; fw < g.kw; fw++) {
      const int64_t iw = iw0 + fw * g.dilW;
      // P = 2 is only used where both windows lie inside the image's width.
      if (P == 1 && (iw < 0 || iw >= g.w)) continue;
      const float* xs = x + ((n * g.h + ih) * g.w + iw) * g.c;
      const float* wt = filter + (fh * g.kw + fw) * g.c * cout;
      for (int64_t ci = 0; ci < g.c; ci++) {
        __m256 xv[P];
        for (int p = 0; p < P; p++) xv[p] = _mm256_broadcast_ss(xs + p * g.strideW * g.c + ci);
        const float* row = wt + ci * cout;
        for (int v = 0; v < V; v++) {
          const __m256 wv = _mm256_loadu_ps(row + 8 * v);
          for (int p = 0; p < P; p++) acc[p][v] = _mm256_fmadd_ps(xv[p], wv, acc[p][v]);
        }
      }
    }
  }
  float* dst = out + ((n * g.outH + oh) * g.outW + ow) * cout;
  // max(0, a) returns a when a is NaN (tf.relu keeps NaN).
  for (int p = 0; p < P; p++)
    for (int v = 0; v < V; v++) _mm256_storeu_ps(dst + p * cout + 8 * v, relu ? _mm256_max_ps(zero, acc[p][v]) : acc[p][v]);
}

template <int V>
__attribute__((target("avx2,fma"))) void conv_bias_act_direct_avx2(const ConvGeometry& g, const float* x, const float* filter, const float* bias,
                                                                   float* out, bool relu) {
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW;) {
        const int64_t iw = ow * g.strideW - g.padLeft;
        const bool pair = V <= 4 && ow + 1 < g.outW && iw >= 0 && iw + g.strideW + (g.kw - 1) * g.dilW < g.w;
        if (pair) {
          conv_direct_pixels<V, 2>(g, x, filter, bias, out, relu, n, oh, ow);
          ow += 2;
        } else {
          conv_direct_pixels<V, 1>(g, x, filter, bias, out, relu, n, oh, ow);
          ow += 1;
        }
      }
    }
  }
}

template <int V>
__attribute__((target("avx2,fma"))) void conv_filter_grad_direct_avx2(const ConvGeometry& g, const float* x, const float* dy, const float* y,
                                                                      float* dw, double* dbias, bool relu) {
  constexpr int64_t cout = V * 8;
  constexpr int64_t P = 32;  // pixels per block
  alignas(32) float gbuf[P * cout];
  int64_t base[P], ih0[P], iw0[P];
  std::memset(dw, 0, sizeof(float) * g.kh * g.kw * g.c * cout);
  const __m256 zero = _mm256_setzero_ps();
  const int64_t total = g.batch * g.outH * g.outW;
  for (int64_t p0 = 0; p0 < total; p0 += P) {
    const int64_t count = total - p0 < P ? total - p0 : P;
    __m256 bsum[V];
    for (int v = 0; v < V; v++) bsum[v] = zero;
    for (int64_t q = 0; q < count; q++) {
      const int64_t p = p0 + q;
      const int64_t ow = p % g.outW, oh = (p / g.outW) % g.outH, n = p / (g.outW * g.outH);
      base[q] = n * g.h;
      ih0[q] = oh * g.strideH - g.padTop;
      iw0[q] = ow * g.strideW - g.padLeft;
      for (int v = 0; v < V; v++) {
        __m256 gv = _mm256_loadu_ps(dy + p * cout + 8 * v);
        if (relu) gv = _mm256_and_ps(gv, _mm256_cmp_ps(_mm256_loadu_ps(y + p * cout + 8 * v), zero, _CMP_GT_OQ));
        _mm256_store_ps(gbuf + q * cout + 8 * v, gv);
        bsum[v] = _mm256_add_ps(bsum[v], gv);
      }
    }
    if (dbias) {
      alignas(32) float part[cout];
      for (int v = 0; v < V; v++) _mm256_store_ps(part + 8 * v, bsum[v]);
      for (int64_t co = 0; co < cout; co++) dbias[co] += part[co];
    }
    for (int64_t fh = 0; fh < g.kh; fh++) {
      for (int64_t fw = 0; fw < g.kw; fw++) {
        for (int64_t ci = 0; ci < g.c; ci++) {
          __m256 acc[V];
          for (int v = 0; v < V; v++) acc[v] = zero;
          // Two sets of accumulators (even and odd pixels) halve the FMA dependency chains.
          __m256 odd[V];
          for (int v = 0; v < V; v++) odd[v] = zero;
          for (int64_t q = 0; q < count; q++) {
            const int64_t ih = ih0[q] + fh * g.dilH, iw = iw0[q] + fw * g.dilW;
            if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
            const __m256 xv = _mm256_broadcast_ss(x + ((base[q] + ih) * g.w + iw) * g.c + ci);
            if (q & 1) {
              for (int v = 0; v < V; v++) odd[v] = _mm256_fmadd_ps(xv, _mm256_load_ps(gbuf + q * cout + 8 * v), odd[v]);
            } else {
              for (int v = 0; v < V; v++) acc[v] = _mm256_fmadd_ps(xv, _mm256_load_ps(gbuf + q * cout + 8 * v), acc[v]);
            }
          }
          for (int v = 0; v < V; v++) acc[v] = _mm256_add_ps(acc[v], odd[v]);
          float* row = dw + ((fh * g.kw + fw) * g.c + ci) * cout;
          for (int v = 0; v < V; v++) _mm256_storeu_ps(row + 8 * v, _mm256_add_ps(_mm256_loadu_ps(row + 8 * v), acc[v]));
        }
      }
    }
  }
}

// The AVX2 kernel for this out-channel count, or false (the portable body then runs).
bool conv_bias_act_direct_simd(const ConvGeometry& g, int64_t cout, const float* x, const float* f, const float* b, float* out, bool relu) {
  if (!g_simd) return false;
  switch (cout) {
    case 8: conv_bias_act_direct_avx2<1>(g, x, f, b, out, relu); return true;
    case 16: conv_bias_act_direct_avx2<2>(g, x, f, b, out, relu); return true;
    case 24: conv_bias_act_direct_avx2<3>(g, x, f, b, out, relu); return true;
    case 32: conv_bias_act_direct_avx2<4>(g, x, f, b, out, relu); return true;
    case 40: conv_bias_act_direct_avx2<5>(g, x, f, b, out, relu); return true;
    case 48: conv_bias_act_direct_avx2<6>(g, x, f, b, out, relu); return true;
    case 56: conv_bias_act_direct_avx2<7>(g, x, f, b, out, relu); return true;
    case 64: conv_bias_act_direct_avx2<8>(g, x, f, b, out, relu); return true;
    default: return false;
  }
}

bool conv_filter_grad_direct_simd(const ConvGeometry& g, int64_t cout, const float* x, const float* dy, const float* y, float* dw, double* db, bool relu) {
  if (!g_simd) return false;
  switch (cout) {
    case 8: conv_filter_grad_direct_avx2<1>(g, x, dy, y, dw, db, relu); return true;
    case 16: conv_filter_grad_direct_avx2<2>(g, x, dy, y, dw, db, relu); return true;
    case 24: conv_filter_grad_direct_avx2<3>(g, x, dy, y, dw, db, relu); return true;
    case 32: conv_filter_grad_direct_avx2<4>(g, x, dy, y, dw, db, relu); return true;
    case 40: conv_filter_grad_direct_avx2<5>(g, x, dy, y, dw, db, relu); return true;
    case 48: conv_filter_grad_direct_avx2<6>(g, x, dy, y, dw, db, relu); return true;
    case 56: conv_filter_grad_direct_avx2<7>(g, x, dy, y, dw, db, relu); return true;
    case 64: conv_filter_grad_direct_avx2<8>(g, x, dy, y, dw, db, relu); return true;
    default: return false;
  }
}
#else
bool conv_bias_act_direct_simd(const ConvGeometry&, int64_t, const float*, const float*, const float*, float*, bool) { return false; }
bool conv_filter_grad_direct_simd(const ConvGeometry&, int64_t, const float*, const float*, const float*, float*, double*, bool) { return false; }
#endif

// ---------------------------------------------------------------------------------------
// N-API glue.
struct Args {
  explicit Args(napi_env e) : env(e) {}
  napi_env env;
  std::vector<napi_value> values;
  uint8_t* heap = nullptr;
  size_t heapBytes = 0;

  bool init(napi_callback_info info, size_t expected) {
    size_t argc = expected;
    values.resize(expected);
    if (napi_get_cb_info(env, info, &argc, values.data(), nullptr, nullptr) != napi_ok || argc != expected) return false;
    void* data = nullptr;
    if (napi_get_arraybuffer_info(env, values[0], &data, &heapBytes) != napi_ok) return false;
    heap = static_cast<uint8_t*>(data);
    return true;
  }
  double num(size_t i) const {
    double out = 0;
    napi_get_value_double(env, values[i], &out);
    return out;
  }
  int64_t integer(size_t i) const { return static_cast<int64_t>(num(i)); }
  bool flag(size_t i) const {
    bool out = false;
    napi_get_value_bool(env, values[i], &out);
    return out;
  }
  // A float32 array of `count` elements at byte offset arg i, or nullptr if out of the heap.
  float* floats(size_t i, int64_t count) const {
    const int64_t offset = integer(i);
    if (offset < 0 || count < 0 || offset % 4 != 0 || static_cast<uint64_t>(offset + count * 4) > heapBytes) return nullptr;
    return reinterpret_cast<float*>(heap + offset);
  }
};

napi_value fail(napi_env env, const char* message) {
  napi_throw_error(env, nullptr, message);
  return nullptr;
}

napi_value Gemm(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 12)) return fail(env, "gemm(heap, a, b, c, batch, m, k, n, transA, transB, aBatchStride, bBatchStride)");
  const int64_t batch = args.integer(4), m = args.integer(5), k = args.integer(6), n = args.integer(7);
  const bool transA = args.flag(8), transB = args.flag(9);
  const int64_t aStride = args.integer(10), bStride = args.integer(11);
  const float* a = args.floats(1, (batch - 1) * aStride + m * k);
  const float* b = args.floats(2, (batch - 1) * bStride + k * n);
  float* c = args.floats(3, batch * m * n);
  if (!a || !b || !c) return fail(env, "gemm: a tensor lies outside the heap");
  for (int64_t i = 0; i < batch; i++) {
    gemm(Matrix{a + i * aStride, m, k, transA}, Matrix{b + i * bStride, k, n, transB}, c + i * m * n);
  }
  return nullptr;
}

napi_value Adam(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 15)) return fail(env, "adam(heap, p, g, m, v, outP, outM, outV, size, lr, t, beta1, beta2, epsilon, weightDecay)");
  const int64_t n = args.integer(8);
  float* ptrs[7];
  for (int i = 0; i < 7; i++) {
    ptrs[i] = args.floats(1 + i, n);
    if (!ptrs[i]) return fail(env, "adam: a tensor lies outside the heap");
  }
  const double lr = args.num(9), t = args.num(10), beta1 = args.num(11), beta2 = args.num(12), eps = args.num(13), wd = args.num(14);
  const float keep1 = static_cast<float>(beta1), keep2 = static_cast<float>(beta2);
  const AdamScalars s{static_cast<float>(lr),
                      static_cast<float>(1 - std::pow(static_cast<double>(keep1), t)),
                      static_cast<float>(1 - std::pow(static_cast<double>(keep2), t)),
                      keep1, static_cast<float>(1 - beta1), keep2, static_cast<float>(1 - beta2),
                      static_cast<float>(eps), static_cast<float>(lr * wd)};
  const auto range = [&](int64_t from, int64_t to) {
    float* const* q = ptrs;
    const int64_t len = to - from;
#ifdef ELEGY_X86
    if (g_avx512) return adam_avx512(len, q[0] + from, q[1] + from, q[2] + from, q[3] + from, q[4] + from, q[5] + from, q[6] + from, s);
    if (g_simd) return adam_avx2(len, q[0] + from, q[1] + from, q[2] + from, q[3] + from, q[4] + from, q[5] + from, q[6] + from, s);
#endif
    adam_portable(len, q[0] + from, q[1] + from, q[2] + from, q[3] + from, q[4] + from, q[5] + from, q[6] + from, s);
  };
  // Memory-bound: worth a second thread only for large tensors.
  in_halves(n, 64, n >= (1 << 15), range);
  return nullptr;
}

bool geometry(const Args& args, size_t first, ConvGeometry& g) {
  int64_t* fields[] = {&g.batch, &g.h, &g.w, &g.c, &g.kh, &g.kw, &g.outH, &g.outW, &g.strideH, &g.strideW, &g.padTop, &g.padLeft, &g.dilH, &g.dilW};
  for (size_t i = 0; i < 14; i++) *fields[i] = args.integer(first + i);
  return g.batch >= 0 && g.h >= 0 && g.w >= 0 && g.c >= 0 && g.kh > 0 && g.kw > 0 && g.outH >= 0 && g.outW >= 0;
}

napi_value Im2col(napi_env env, napi_callback_info info) {
  Args args(env);
  ConvGeometry g;
  if (!args.init(info, 17) || !geometry(args, 3, g)) return fail(env, "im2col(heap, x, cols, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW)");
  const float* x = args.floats(1, g.batch * g.h * g.w * g.c);
  float* cols = args.floats(2, g.batch * g.outH * g.outW * g.kh * g.kw * g.c);
  if (!x || !cols) return fail(env, "im2col: a tensor lies outside the heap");
  const int64_t rowLen = g.kh * g.kw * g.c;
  by_images(g, g.batch * g.outH * g.outW * rowLen, [&](const ConvGeometry& sub, int64_t first) {
    im2col(sub, x + first * g.h * g.w * g.c, cols + first * g.outH * g.outW * rowLen);
  });
  return nullptr;
}

napi_value Col2im(napi_env env, napi_callback_info info) {
  Args args(env);
  ConvGeometry g;
  if (!args.init(info, 17) || !geometry(args, 3, g)) return fail(env, "col2im(heap, cols, dx, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW)");
  const float* cols = args.floats(1, g.batch * g.outH * g.outW * g.kh * g.kw * g.c);
  float* dx = args.floats(2, g.batch * g.h * g.w * g.c);
  if (!cols || !dx) return fail(env, "col2im: a tensor lies outside the heap");
  const int64_t rowLen = g.kh * g.kw * g.c;
  by_images(g, g.batch * g.outH * g.outW * rowLen, [&](const ConvGeometry& sub, int64_t first) {
    col2im(sub, cols + first * g.outH * g.outW * rowLen, dx + first * g.h * g.w * g.c);
  });
  return nullptr;
}

napi_value SumRows(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 5)) return fail(env, "sumRows(heap, x, out, rows, cols)");
  const int64_t rows = args.integer(3), cols = args.integer(4);
  const float* x = args.floats(1, rows * cols);
  float* out = args.floats(2, cols);
  if (!x || !out || rows < 0 || cols < 0) return fail(env, "sumRows: a tensor lies outside the heap");
  sum_rows(x, out, rows, cols);
  return nullptr;
}

/** The 12 pooling arguments from position `first`: batch, h, w, c, outH, outW, fh, fw, sh, sw, padTop, padLeft. */
void pool_geometry(const Args& args, size_t first, PoolGeometry& g) {
  int64_t* fields[] = {&g.batch, &g.h, &g.w, &g.c, &g.outH, &g.outW, &g.fh, &g.fw, &g.sh, &g.sw, &g.padTop, &g.padLeft};
  for (size_t i = 0; i < 12; i++) *fields[i] = args.integer(first + i);
}

napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 16)) return fail(env, "maxPoolGrad(heap, x, dy, dx, batch, h, w, c, outH, outW, fh, fw, sh, sw, padTop, padLeft)");
  PoolGeometry g;
  pool_geometry(args, 4, g);
  const float* x = args.floats(1, g.batch * g.h * g.w * g.c);
  const float* dy = args.floats(2, g.batch * g.outH * g.outW * g.c);
  float* dx = args.floats(3, g.batch * g.h * g.w * g.c);
  if (!x || !dy || !dx) return fail(env, "maxPoolGrad: a tensor lies outside the heap");
  max_pool_grad(g, x, dy, dx);
  return nullptr;
}

napi_value AllFinite(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr) != napi_ok || argc != 1 ||
      napi_get_typedarray_info(env, arg, &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_float32_array) {
    return fail(env, "allFinite(float32Array)");
  }
  const uint32_t* bits = static_cast<const uint32_t*>(data);
  uint32_t bad = 0;
  // Exponent all ones = NaN or ±Infinity; no early exit, so the loop vectorises.
  for (size_t i = 0; i < length; i++) bad |= static_cast<uint32_t>((bits[i] & 0x7f800000u) == 0x7f800000u);
  napi_value result;
  napi_get_boolean(env, bad == 0, &result);
  return result;
}

napi_value AddBias(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 6)) return fail(env, "addBias(heap, x, bias, out, rows, cols)");
  const int64_t rows = args.integer(4), cols = args.integer(5);
  const float* x = args.floats(1, rows * cols);
  const float* bias = args.floats(2, cols);
  float* out = args.floats(3, rows * cols);
  if (!x || !bias || !out || rows < 0 || cols < 0) return fail(env, "addBias: a tensor lies outside the heap");
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    float* dst = out + r * cols;
    for (int64_t c = 0; c < cols; c++) dst[c] = row[c] + bias[c];
  }
  return nullptr;
}

napi_value BiasRelu(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 7)) return fail(env, "biasRelu(heap, x, bias, out, rows, cols, relu)");
  const int64_t rows = args.integer(4), cols = args.integer(5);
  const float* x = args.floats(1, rows * cols);
  const float* bias = args.integer(2) < 0 ? nullptr : args.floats(2, cols);
  float* out = args.floats(3, rows * cols);
  if (!x || (!bias && args.integer(2) >= 0) || !out || rows < 0 || cols < 0) return fail(env, "biasRelu: a tensor lies outside the heap");
  bias_relu(x, bias, out, rows, cols, args.flag(6));
  return nullptr;
}

napi_value ReluBiasGrad(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 7)) return fail(env, "reluBiasGrad(heap, dy, y, g, dbias, rows, cols)");
  const int64_t rows = args.integer(5), cols = args.integer(6);
  const float* dy = args.floats(1, rows * cols);
  const float* y = args.floats(2, rows * cols);
  float* g = args.floats(3, rows * cols);
  float* dbias = args.integer(4) < 0 ? nullptr : args.floats(4, cols);
  if (!dy || !y || !g || (!dbias && args.integer(4) >= 0) || rows < 0 || cols < 0) return fail(env, "reluBiasGrad: a tensor lies outside the heap");
  relu_bias_grad(dy, y, g, dbias, rows, cols);
  return nullptr;
}

napi_value MaxPoolArgmax(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 16)) return fail(env, "maxPoolArgmax(heap, x, y, argmax, batch, h, w, c, outH, outW, fh, fw, sh, sw, padTop, padLeft)");
  PoolGeometry g;
  pool_geometry(args, 4, g);
  const float* x = args.floats(1, g.batch * g.h * g.w * g.c);
  float* y = args.floats(2, g.batch * g.outH * g.outW * g.c);
  int32_t* argmax = reinterpret_cast<int32_t*>(args.floats(3, g.batch * g.outH * g.outW * g.c));
  if (!x || !y || !argmax) return fail(env, "maxPoolArgmax: a tensor lies outside the heap");
  in_halves(g.batch, 1, g.batch * g.h * g.w * g.c >= (1 << 18), [&](int64_t first, int64_t end) { max_pool_argmax(g, x, y, argmax, first, end); });
  return nullptr;
}

napi_value MaxPoolScatter(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 6)) return fail(env, "maxPoolScatter(heap, dy, argmax, dx, outSize, inSize)");
  const int64_t outSize = args.integer(4), inSize = args.integer(5);
  const float* dy = args.floats(1, outSize);
  const int32_t* argmax = reinterpret_cast<const int32_t*>(args.floats(2, outSize));
  float* dx = args.floats(3, inSize);
  if (!dy || !argmax || !dx) return fail(env, "maxPoolScatter: a tensor lies outside the heap");
  max_pool_scatter(dy, argmax, dx, outSize, inSize);
  return nullptr;
}

napi_value ConvBiasActDirect(napi_env env, napi_callback_info info) {
  Args args(env);
  ConvGeometry g;
  if (!args.init(info, 21) || !geometry(args, 5, g)) {
    return fail(env, "convBiasActDirect(heap, x, filter, bias, out, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW, outChannels, relu)");
  }
  const int64_t cout = args.integer(19);
  const float* x = args.floats(1, g.batch * g.h * g.w * g.c);
  const float* filter = args.floats(2, g.kh * g.kw * g.c * cout);
  const float* bias = args.integer(3) < 0 ? nullptr : args.floats(3, cout);
  float* out = args.floats(4, g.batch * g.outH * g.outW * cout);
  if (!x || !filter || (!bias && args.integer(3) >= 0) || !out || cout < 0) return fail(env, "convBiasActDirect: a tensor lies outside the heap");
  const bool relu = args.flag(20);
  by_images(g, g.batch * g.outH * g.outW * cout, [&](const ConvGeometry& sub, int64_t first) {
    const float* xs = x + first * g.h * g.w * g.c;
    float* outs = out + first * g.outH * g.outW * cout;
    if (!conv_bias_act_direct_simd(sub, cout, xs, filter, bias, outs, relu)) conv_bias_act_direct_portable(sub, cout, xs, filter, bias, outs, relu);
  });
  return nullptr;
}

napi_value ConvFilterGradDirect(napi_env env, napi_callback_info info) {
  Args args(env);
  ConvGeometry g;
  if (!args.init(info, 22) || !geometry(args, 6, g)) {
    return fail(env, "convFilterGradDirect(heap, x, dy, y, dw, dbias, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW, outChannels, relu)");
  }
  const int64_t cout = args.integer(20);
  const int64_t outSize = g.batch * g.outH * g.outW * cout;
  const float* x = args.floats(1, g.batch * g.h * g.w * g.c);
  const float* dy = args.floats(2, outSize);
  const float* y = args.floats(3, outSize);
  float* dw = args.floats(4, g.kh * g.kw * g.c * cout);
  float* dbias = args.integer(5) < 0 ? nullptr : args.floats(5, cout);
  if (!x || !dy || !y || !dw || (!dbias && args.integer(5) >= 0) || cout < 0) return fail(env, "convFilterGradDirect: a tensor lies outside the heap");
  std::vector<float> gbuf(static_cast<size_t>(cout));
  std::vector<double> acc(dbias ? static_cast<size_t>(cout) : 0, 0.0);
  const bool relu = args.flag(21);
  double* db = dbias ? acc.data() : nullptr;
  if (!conv_filter_grad_direct_simd(g, cout, x, dy, y, dw, db, relu)) conv_filter_grad_direct_portable(g, cout, x, dy, y, dw, db, relu, gbuf.data());
  if (dbias) for (int64_t co = 0; co < cout; co++) dbias[co] = static_cast<float>(acc[co]);
  return nullptr;
}

// helperJobs() → how many half-kernels the helper thread has run (for tests).
napi_value HelperJobs(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_double(env, g_helper_started ? static_cast<double>(helper().ran.load()) : 0.0, &out);
  return out;
}

// threads() → how many threads the big kernels use (1 or 2).
napi_value Threads(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_int32(env, g_threads.load(), &out);
  return out;
}

// setThreads(n) → the previous count: 1 keeps every kernel on its calling thread (replicas
// already use every core), 2 lets the big ones use the helper. Process-wide.
napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  double wanted = 0;
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr) != napi_ok || argc != 1 || napi_get_value_double(env, arg, &wanted) != napi_ok ||
      !(wanted >= 1)) {
    return fail(env, "setThreads(count): count must be a number, 1 or more");
  }
  const int previous = g_threads.exchange(wanted >= 2 ? 2 : 1);
  napi_value out;
  napi_create_int32(env, previous, &out);
  return out;
}

}  // namespace

NAPI_MODULE_INIT() {
#ifdef ELEGY_X86
  __builtin_cpu_init();
  g_simd = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  g_avx512 = g_simd && __builtin_cpu_supports("avx512f");
  if (const char* off = std::getenv("ELEGY_NATIVE_SIMD")) {
    // "0": portable C++ only; "avx2": no AVX-512 (for comparing the paths).
    if (std::strcmp(off, "0") == 0) g_simd = false;
    if (std::strcmp(off, "0") == 0 || std::strcmp(off, "avx2") == 0) g_avx512 = false;
  }
  // Once per process (each worker thread that loads the addon runs this init again).
  static std::once_flag threads_from_env;
  std::call_once(threads_from_env, [] {
    const char* wanted = std::getenv("ELEGY_NATIVE_THREADS");
    g_threads.store(wanted != nullptr ? (std::atoi(wanted) >= 2 ? 2 : 1) : (std::thread::hardware_concurrency() >= 2 ? 2 : 1));
  });
  const struct {
    const char* name;
    napi_callback fn;
  } functions[] = {{"gemm", Gemm}, {"adam", Adam}, {"im2col", Im2col}, {"col2im", Col2im},
                   {"sumRows", SumRows}, {"maxPoolGrad", MaxPoolGrad}, {"allFinite", AllFinite}, {"addBias", AddBias},
                   {"biasRelu", BiasRelu}, {"reluBiasGrad", ReluBiasGrad}, {"maxPoolArgmax", MaxPoolArgmax},
                   {"maxPoolScatter", MaxPoolScatter}, {"convBiasActDirect", ConvBiasActDirect},
                   {"convFilterGradDirect", ConvFilterGradDirect}, {"setThreads", SetThreads}, {"threads", Threads}, {"helperJobs", HelperJobs}};
  for (const auto& f : functions) {
    napi_value value;
    if (napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &value) != napi_ok) return nullptr;
    if (napi_set_named_property(env, exports, f.name, value) != napi_ok) return nullptr;
  }
  napi_value simd;
  napi_get_boolean(env, g_simd, &simd);
  napi_set_named_property(env, exports, "simd", simd);
  napi_value width;
  napi_create_string_utf8(env, g_avx512 ? "avx512" : g_simd ? "avx2" : "portable", NAPI_AUTO_LENGTH, &width);
  napi_set_named_property(env, exports, "isa", width);
  return exports;
}
