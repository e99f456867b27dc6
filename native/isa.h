// Which vector ISA the hot loops use, chosen once at load: a table of kernels per ISA
// (simd-avx512.cc, simd-avx2.cc, or the portable C++ of each family).
#pragma once

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#define ELEGY_X86 1
#endif

#include "conv.h"
#include "gemm.h"
#include "optimizer.h"

namespace elegy {

struct Isa {
  const char* name;  // "avx512", "avx2" or "portable"
  bool simd;
  int64_t gemm_nr;   // width of the panels B is packed in (a column split is cut at a multiple of it)
  /** Rows [i_begin, i_end) × columns [j_begin, j_end) of c = op(a) · op(b), k > 0 (gemm.h). */
  void (*gemm_block)(const Matrix& a, const Matrix& b, float* c, int64_t i_begin, int64_t i_end, int64_t j_begin, int64_t j_end, float* packed);
  /** All of op(b) packed for gemm_packed, in panels gemm_nr wide (gemm.h). */
  void (*gemm_pack)(const Matrix& b, float* packed);
  /** c[m][n] = op(a) · B (c += it when `add`), B packed by gemm_pack, k = a.cols > 0. */
  void (*gemm_packed)(const Matrix& a, const float* packed, int64_t n, float* c, bool add);
  void (*adam)(int64_t n, const float* p, const float* g, const float* m, const float* v, float* op, float* om, float* ov, const AdamScalars& s);
  void (*relu_bias_grad)(const float* dy, const float* y, float* g, double* acc, int64_t rows, int64_t cols);
  void (*argmax_tap)(const float* xs, float* yo, int32_t* io, int32_t at, int64_t c);
  /**
   * dw rows [q0, q1) (+)= the filter gradient of `count` output pixels from `first`, x and dy read in
   * place (conv.cc's blocked filter gradient); false where it does not serve (then im2col + GEMM).
   */
  bool (*conv_filter_grad_block)(const ConvGeometry& g, int64_t cout, const float* x, const float* dy, int64_t first, int64_t count, int64_t q0,
                                 int64_t q1, float* dw, bool add);
  /** Adds a block of patch gradients back onto dx (conv.h's col2im_block_portable). */
  void (*col2im_block)(const ConvGeometry& g, const float* cols, int64_t first, int64_t count, float* dx);
  // The direct convolutions, for the out-channel counts this ISA has registers for; false otherwise.
  bool (*conv_bias_act_direct)(const ConvGeometry& g, int64_t cout, const float* x, const float* filter, const float* bias, float* out, bool relu);
  bool (*conv_filter_grad_direct)(const ConvGeometry& g, int64_t cout, const float* x, const float* dy, const float* y, float* dw, double* dbias,
                                  bool relu);
  // The conv + bias + ReLU + non-overlapping max pooling block (conv.h), same out-channel counts; false otherwise.
  bool (*conv_relu_pool_direct)(const ConvGeometry& g, const PoolWindows& p, int64_t cout, const float* x, const float* filter, const float* bias, float* out,
                                uint8_t* winners);
  bool (*conv_relu_pool_filter_grad)(const ConvGeometry& g, const PoolWindows& p, int64_t cout, const float* x, const float* dy, const float* y,
                                     const uint8_t* winners, float* dw, double* dbias);
};

/** The ISA in use. */
const Isa& isa();
/** Picks the widest ISA the CPU has; ELEGY_NATIVE_SIMD=avx2 stops at AVX2, =0 at portable C++. */
void choose_isa();

extern const Isa kPortable;
#ifdef ELEGY_X86
extern const Isa kAvx2;
extern const Isa kAvx512;
#endif

}  // namespace elegy
