// GEMM: c = op(a) · op(b) on float32 row-major matrices, BLIS-style blocking over k and n,
// B packed in panels of the ISA's width, A read in place.
#pragma once

#include <cstdint>

namespace elegy {

constexpr int MR = 6;            // rows of C per micro-kernel call
constexpr int NR_PORTABLE = 16;  // B panel width of the portable micro-kernel
constexpr int NR_MAX = 32;       // the widest panel (AVX-512: two zmm registers)

struct Matrix {
  const float* data;
  int64_t rows, cols;  // of op(matrix)
  bool transposed;     // element (i, j) of op(matrix) is data[j * rows + i]
};

/** c[i] = op(a[i]) · op(b[i]) for each of `batch` pairs (strides in floats; c densely packed). */
void gemm_batched(const float* a, const float* b, float* c, int64_t batch, int64_t m, int64_t k, int64_t n, bool transA, bool transB,
                  int64_t aBatchStride, int64_t bBatchStride);

/** acc[MR][NR_PORTABLE] = Σ_p A(r, p) · bp[p][c], with A(r, p) = rows[r][p * ks]. */
void gemm_micro_portable(int64_t kc, const float* const* rows, int64_t ks, const float* bp, float* acc);

}  // namespace elegy
