// Which vector ISA the hot loops use, chosen once at load: a table of kernels per ISA
// (simd-avx512.cc, simd-avx2.cc, or the portable C++ of each family).
#pragma once

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#define ELEGY_X86 1
#endif

#include "conv.h"
#include "optimizer.h"

namespace elegy {

struct Isa {
  const char* name;  // "avx512", "avx2" or "portable"
  bool simd;
  int64_t gemm_nr;   // width of the B panels gemm_micro reads
  /** acc[MR][gemm_nr] = Σ_p A(r, p) · bp[p][c], A(r, p) = rows[r][p * ks] (A read in place). */
  void (*gemm_micro)(int64_t kc, const float* const* rows, int64_t ks, const float* bp, float* acc);
  void (*adam)(int64_t n, const float* p, const float* g, const float* m, const float* v, float* op, float* om, float* ov, const AdamScalars& s);
  void (*relu_bias_grad)(const float* dy, const float* y, float* g, double* acc, int64_t rows, int64_t cols);
  void (*argmax_tap)(const float* xs, float* yo, int32_t* io, int32_t at, int64_t c);
  // The direct convolutions, for the out-channel counts this ISA has registers for; false otherwise.
  bool (*conv_bias_act_direct)(const ConvGeometry& g, int64_t cout, const float* x, const float* filter, const float* bias, float* out, bool relu);
  bool (*conv_filter_grad_direct)(const ConvGeometry& g, int64_t cout, const float* x, const float* dy, const float* y, float* dw, double* dbias,
                                  bool relu);
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
