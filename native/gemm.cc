// GEMM: the split over two threads and the portable C++ blocks (simd-kernels.h has the vector
// ones): BLIS-style blocking over k and n, B packed in panels, A read in place (for the thin
// matrices of a training step, packing A cost as much as the product).
#include "gemm.h"

#include <cstring>
#include <vector>

#include "isa.h"
#include "threads.h"

namespace elegy {
namespace {

constexpr int MR = 6;   // rows of C per portable micro-kernel call
constexpr int NR = 16;  // its panel width

void pack_b(const Matrix& b, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* out) {
  for (int64_t jr = 0; jr < nc; jr += NR) {
    const int64_t cols = nc - jr < NR ? nc - jr : NR;
    float* panel = out + jr * kc;
    if (b.transposed) {
      // op(B)(p, j) = data[j * rows + p]: read each column of op(B) contiguously.
      for (int64_t c = 0; c < NR; c++) {
        if (c >= cols) {
          for (int64_t p = 0; p < kc; p++) panel[p * NR + c] = 0.0f;
          continue;
        }
        const float* src = b.data + (j0 + jr + c) * b.rows + p0;
        for (int64_t p = 0; p < kc; p++) panel[p * NR + c] = src[p];
      }
    } else {
      for (int64_t p = 0; p < kc; p++) {
        const float* src = b.data + (p0 + p) * b.cols + j0 + jr;
        float* dst = panel + p * NR;
        for (int64_t c = 0; c < NR; c++) dst[c] = c < cols ? src[c] : 0.0f;
      }
    }
  }
}

// acc[MR][NR] = Σ_p A(r, p) · bp[p][c], with A(r, p) = rows[r][p * ks].
void micro(int64_t kc, const float* const* rows, int64_t ks, const float* bp, float* acc) {
  for (int i = 0; i < MR * NR; i++) acc[i] = 0.0f;
  for (int64_t p = 0; p < kc; p++) {
    for (int r = 0; r < MR; r++) {
      const float av = rows[r][p * ks];
      for (int c = 0; c < NR; c++) acc[r * NR + c] += av * bp[p * NR + c];
    }
  }
}

// Rows [i_begin, i_end) × columns [j0, j0 + nc) of c (n columns) = op(a) · one block of k (kc values
// from p0) of B packed in panels, or c += it (`add`).
void tiles(const Matrix& a, int64_t p0, int64_t kc, int64_t i_begin, int64_t i_end, int64_t j0, int64_t nc, const float* panels, float* c, int64_t n,
           bool add) {
  // A(i, p) = a.data[i * rs + p * ks], read in place.
  const int64_t rs = a.transposed ? 1 : a.cols;
  const int64_t ks = a.transposed ? a.rows : 1;
  float acc[MR * NR];
  const float* rows[MR];
  for (int64_t i0 = i_begin; i0 < i_end; i0 += MR) {
    const int64_t count = i_end - i0 < MR ? i_end - i0 : MR;
    // Rows past the end repeat the first row: valid memory, results discarded.
    for (int r = 0; r < MR; r++) rows[r] = a.data + (i0 + (r < count ? r : 0)) * rs + p0 * ks;
    for (int64_t jr = 0; jr < nc; jr += NR) {
      const int64_t cols = nc - jr < NR ? nc - jr : NR;
      micro(kc, rows, ks, panels + jr * kc, acc);
      for (int64_t r = 0; r < count; r++) {
        float* row = c + (i0 + r) * n + j0 + jr;
        const float* from = acc + r * NR;
        if (add) {
          for (int64_t cc = 0; cc < cols; cc++) row[cc] += from[cc];
        } else {
          for (int64_t cc = 0; cc < cols; cc++) row[cc] = from[cc];
        }
      }
    }
  }
}

void gemm(const Matrix& a, const Matrix& b, float* c) {
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  if (k == 0) {
    std::memset(c, 0, sizeof(float) * m * n);
    return;
  }
  const Isa& simd = isa();
  const int64_t nr = simd.gemm_nr;
  const bool big = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) >= static_cast<double>(GEMM_PARALLEL_MIN_MACS);
  // Each thread packs B into its own buffer, kept between calls (never re-zeroed: packing writes
  // every element the kernels read).
  const auto block = [&](int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
    static thread_local std::vector<float> packed;
    const size_t need = static_cast<size_t>(gemm_packed_size(k, j1 - j0, nr));
    if (packed.size() < need) packed.resize(need);
    simd.gemm_block(a, b, c, i0, i1, j0, j1, packed.data());
  };
  // Cut the columns (each thread packs only its own panels of B), else the rows.
  if (big && cut(n, nr) > 0) {
    in_split(n, nr, true, [&](int64_t j0, int64_t j1) { block(0, m, j0, j1); });
  } else {
    in_split(m, MR, big, [&](int64_t i0, int64_t i1) { block(i0, i1, 0, n); });
  }
}

}  // namespace

void gemm_batched(const float* a, const float* b, float* c, int64_t batch, int64_t m, int64_t k, int64_t n, bool transA, bool transB,
                  int64_t aBatchStride, int64_t bBatchStride) {
  for (int64_t i = 0; i < batch; i++) {
    gemm(Matrix{a + i * aBatchStride, m, k, transA}, Matrix{b + i * bBatchStride, k, n, transB}, c + i * m * n);
  }
}

void gemm_block_portable(const Matrix& a, const Matrix& b, float* c, int64_t i_begin, int64_t i_end, int64_t j_begin, int64_t j_end, float* packed) {
  const int64_t k = a.cols, n = b.cols;
  for (int64_t j0 = j_begin; j0 < j_end; j0 += GEMM_NC) {
    const int64_t nc = j_end - j0 < GEMM_NC ? j_end - j0 : GEMM_NC;
    for (int64_t p0 = 0; p0 < k; p0 += GEMM_KC) {
      const int64_t kc = k - p0 < GEMM_KC ? k - p0 : GEMM_KC;
      pack_b(b, p0, kc, j0, nc, packed);
      tiles(a, p0, kc, i_begin, i_end, j0, nc, packed, c, n, p0 > 0);
    }
  }
}

void gemm_pack_portable(const Matrix& b, float* packed) {
  const int64_t k = b.rows, n = b.cols, width = (n + NR - 1) / NR * NR;
  for (int64_t p0 = 0; p0 < k; p0 += GEMM_KC) pack_b(b, p0, k - p0 < GEMM_KC ? k - p0 : GEMM_KC, 0, n, packed + p0 * width);
}

void gemm_packed_portable(const Matrix& a, const float* packed, int64_t n, float* c, bool add) {
  const int64_t k = a.cols, width = (n + NR - 1) / NR * NR;
  for (int64_t p0 = 0; p0 < k; p0 += GEMM_KC) {
    tiles(a, p0, k - p0 < GEMM_KC ? k - p0 : GEMM_KC, 0, a.rows, 0, n, packed + p0 * width, c, n, add || p0 > 0);
  }
}

}  // namespace elegy
