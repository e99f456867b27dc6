// The kernel table for AVX2 + FMA (ymm registers, 8 floats): simd-kernels.h compiled with that ISA enabled.
// Only reached when the CPU reports it (isa.cc).
#include "simd.h"

#ifdef ELEGY_X86
// Every header first, so that only the kernel templates below are compiled for avx2.
#include <cstdint>
#include <cstring>
#include "elementwise.h"
#include "gemm.h"
#include "pooling.h"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

#include "simd-kernels.h"

namespace elegy {
extern const Isa kAvx2 = {"avx2", true, 2 * 8, gemm_block<Lanes<8>>, gemm_pack<Lanes<8>>, gemm_packed<Lanes<8>>, adam<Lanes<8>>, relu_bias_grad<Lanes<8>>, argmax_tap<Lanes<8>>, conv_filter_grad_block<Lanes<8>>, col2im_block<Lanes<8>>,
                          conv_bias_act_direct<Lanes<8>>, conv_filter_grad_direct<Lanes<8>>,
                          conv_relu_pool_direct<Lanes<8>>, conv_relu_pool_filter_grad<Lanes<8>>};
}  // namespace elegy

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
