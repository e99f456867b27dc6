// GEMM: c = op(a) · op(b) on float32 row-major matrices, BLIS-style blocking over k and n,
// B packed in panels of the ISA's width, A read in place.
#pragma once

#include <cstdint>

namespace elegy {

constexpr int64_t GEMM_KC = 256;   // values of k per packed block of B
constexpr int64_t GEMM_NC = 3072;  // columns per packed block of B (a multiple of every panel width)
// Products below this many multiply-adds stay on one thread (handing over costs a few µs).
constexpr int64_t GEMM_PARALLEL_MIN_MACS = 1 << 20;

struct Matrix {
  const float* data;
  int64_t rows, cols;  // of op(matrix)
  bool transposed;     // element (i, j) of op(matrix) is data[j * rows + i]
};

/** c[i] = op(a[i]) · op(b[i]) for each of `batch` pairs (strides in floats; c densely packed). */
void gemm_batched(const float* a, const float* b, float* c, int64_t batch, int64_t m, int64_t k, int64_t n, bool transA, bool transB,
                  int64_t aBatchStride, int64_t bBatchStride);

/**
 * Rows [i_begin, i_end) × columns [j_begin, j_end) of c = op(a) · op(b) (k > 0) in portable C++;
 * `packed` holds gemm_packed_size(k, n, 16) floats.
 */
void gemm_block_portable(const Matrix& a, const Matrix& b, float* c, int64_t i_begin, int64_t i_end, int64_t j_begin, int64_t j_end, float* packed);

/** Floats of packed B a block needs, for panels `nr` wide. */
inline int64_t gemm_packed_size(int64_t k, int64_t n, int64_t nr) {
  return ((n < GEMM_NC ? n : GEMM_NC) + nr - 1) / nr * nr * (k < GEMM_KC ? k : GEMM_KC);
}

// B packed once and used for many products (a convolution's filter, block after block of pixels):
// every block of GEMM_KC values of k one after the other, each as all of op(B)'s columns in panels
// `nr` wide (zeros past n). Each C value is the same chain of FMAs as gemm_batched's.

/** Floats all of op(b) takes packed, for panels `nr` wide. */
inline int64_t gemm_packed_all_size(int64_t k, int64_t n, int64_t nr) { return (n + nr - 1) / nr * nr * k; }

/** Packs all of op(b) (portable layout, panels 16 wide). */
void gemm_pack_portable(const Matrix& b, float* packed);
/** c[m][n] = op(a) · B (or c += it, when `add`), B packed by gemm_pack_portable (k = a.cols > 0). */
void gemm_packed_portable(const Matrix& a, const float* packed, int64_t n, float* c, bool add);

}  // namespace elegy
