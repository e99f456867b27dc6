// The kernel table for AVX-512F (zmm registers, 16 floats): simd-kernels.h compiled with that ISA enabled.
// Only reached when the CPU reports it (isa.cc).
#include "simd.h"

#ifdef ELEGY_X86
// Every header first, so that only the kernel templates below are compiled for avx512.
#include <cstdint>
#include <cstring>
#include "elementwise.h"
#include "gemm.h"
#include "pooling.h"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#endif

#include "simd-kernels.h"

namespace elegy {
// The GEMM and Adam run 16 floats wide. The ReLU gradient, the argmax taps and the direct
// convolutions keep the 8-float width they were tuned at (out-channel counts of 8–64).
extern const Isa kAvx512 = {"avx512", true, 2 * 16, gemm_block<Lanes<16>>, gemm_pack<Lanes<16>>, gemm_packed<Lanes<16>>, adam<Lanes<16>>, relu_bias_grad<Lanes<8>>, argmax_tap<Lanes<8>>, conv_filter_grad_block<Lanes<16>>, col2im_block<Lanes<16>>,
                            conv_bias_act_direct<Lanes<8>>, conv_filter_grad_direct<Lanes<8>>,
                          conv_relu_pool_direct<Lanes<8>>, conv_relu_pool_filter_grad<Lanes<8>>};
}  // namespace elegy

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
