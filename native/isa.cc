// The ISA choice (isa.h): the widest the CPU has, unless ELEGY_NATIVE_SIMD narrows it.
#include "isa.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "elementwise.h"
#include "gemm.h"
#include "pooling.h"

namespace elegy {
namespace {

// The portable C++ has no register-sized convolution kernels: conv.cc's own loops run.
bool no_conv_bias_act(const ConvGeometry&, int64_t, const float*, const float*, const float*, float*, bool) { return false; }
bool no_filter_grad_block(const ConvGeometry&, int64_t, const float*, const float*, int64_t, int64_t, int64_t, int64_t, float*, bool) { return false; }
bool no_conv_filter_grad(const ConvGeometry&, int64_t, const float*, const float*, const float*, float*, double*, bool) { return false; }
bool no_conv_relu_pool(const ConvGeometry&, const PoolWindows&, int64_t, const float*, const float*, const float*, float*, uint8_t*) { return false; }
bool no_conv_relu_pool_grad(const ConvGeometry&, const PoolWindows&, int64_t, const float*, const float*, const float*, const uint8_t*, float*, double*) { return false; }

const Isa* g_isa = &kPortable;

}  // namespace

extern const Isa kPortable = {"portable", false, 16, gemm_block_portable, gemm_pack_portable, gemm_packed_portable, adam_portable, relu_bias_grad_portable, argmax_tap_portable, no_filter_grad_block, col2im_block_portable,
                              no_conv_bias_act, no_conv_filter_grad, no_conv_relu_pool, no_conv_relu_pool_grad};

const Isa& isa() { return *g_isa; }

void choose_isa() {
  // Once per process (each worker thread that loads the addon runs the module init again).
  static std::once_flag once;
  std::call_once(once, [] {
  const Isa* chosen = &kPortable;
#ifdef ELEGY_X86
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f");
  // "0": portable C++ only; "avx2": no AVX-512 (for comparing the paths).
  const char* wanted = std::getenv("ELEGY_NATIVE_SIMD");
  const bool portable = wanted && std::strcmp(wanted, "0") == 0;
  const bool narrow = wanted && std::strcmp(wanted, "avx2") == 0;
  if (avx512 && !portable && !narrow) chosen = &kAvx512;
  else if (avx2 && !portable) chosen = &kAvx2;
#endif
  g_isa = chosen;
  });
}

}  // namespace elegy
