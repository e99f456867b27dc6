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
namespace {

// The fused [conv, ReLU, max pool] block's filter gradient for 1-channel images whose window's
// input patch fits one register (at most 16 values: a 2×2 window of 3×3 filters at stride 1 spans
// 4×4 pixels). Per pooled value and channel only the winner's patch counts: its value for each tap
// is picked out of that register by the winning position (vpermps), so a tap costs one FMA per 16
// channels instead of one per window position (the Lanes<8> kernel's masked virtual pixels). The
// filter rows and the bias sums stay in registers over blocks of pooled values.
template <int KH, int KW, int V>
void relu_pool_grad_patch16(const ConvGeometry& g, const PoolWindows& p, int64_t rows, int64_t cols, const float* x, const float* dy, const float* y,
                            const uint8_t* winners, float* dw, double* dbias) {
  constexpr int T = KH * KW;
  constexpr int64_t cout = 16 * V, BLOCK = 64;
  // Where each window position's patch starts in the register (row-major rows × cols).
  alignas(64) int32_t starts[16] = {0};
  for (int64_t k = 0; k < p.fh * p.fw; k++) starts[k] = static_cast<int32_t>((k / p.fw) * g.strideH * cols + (k % p.fw) * g.strideW);
  const __m512i positions = _mm512_load_si512(starts);
  alignas(64) float patch[16] = {0};
  std::memset(dw, 0, sizeof(float) * T * cout);
  const int64_t pooled = g.batch * p.outH * p.outW;
  for (int64_t q0 = 0; q0 < pooled; q0 += BLOCK) {
    const int64_t q1 = pooled - q0 < BLOCK ? pooled : q0 + BLOCK;
    __m512 acc[T][V], bsum[V];
    for (int v = 0; v < V; v++) {
      bsum[v] = _mm512_setzero_ps();
      for (int t = 0; t < T; t++) acc[t][v] = _mm512_setzero_ps();
    }
    for (int64_t q = q0; q < q1; q++) {
      const int64_t pc = q % p.outW, pr = (q / p.outW) % p.outH, n = q / (p.outW * p.outH);
      const int64_t ih0 = pr * p.sh * g.strideH - g.padTop, iw0 = pc * p.sw * g.strideW - g.padLeft;
      const bool inside = ih0 >= 0 && ih0 + rows <= g.h && iw0 >= 0 && iw0 + cols <= g.w;
      for (int64_t r = 0; r < rows; r++) {
        const int64_t ih = ih0 + r;
        const float* row = x + (n * g.h + ih) * g.w;
        if (inside) {
          std::memcpy(patch + r * cols, row + iw0, sizeof(float) * cols);
          continue;
        }
        for (int64_t c = 0; c < cols; c++) {
          const int64_t iw = iw0 + c;
          patch[r * cols + c] = ih < 0 || ih >= g.h || iw < 0 || iw >= g.w ? 0.0f : row[iw];
        }
      }
      const __m512 values = _mm512_load_ps(patch);
      __m512 grad[V];
      __m512i start[V];
      for (int v = 0; v < V; v++) {
        const int64_t o = q * cout + 16 * v;
        grad[v] = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(y + o), _mm512_setzero_ps(), _CMP_GT_OQ), _mm512_loadu_ps(dy + o));
        bsum[v] = _mm512_add_ps(bsum[v], grad[v]);
        start[v] = _mm512_permutexvar_epi32(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(winners + o))), positions);
      }
      for (int a = 0; a < KH; a++) {
        for (int b = 0; b < KW; b++) {
          const __m512i tap = _mm512_set1_epi32(static_cast<int32_t>(a * cols + b));
          for (int v = 0; v < V; v++) {
            const __m512 xs = _mm512_permutexvar_ps(_mm512_add_epi32(start[v], tap), values);
            acc[a * KW + b][v] = _mm512_fmadd_ps(xs, grad[v], acc[a * KW + b][v]);
          }
        }
      }
    }
    for (int v = 0; v < V; v++) {
      for (int t = 0; t < T; t++) _mm512_storeu_ps(dw + t * cout + 16 * v, _mm512_add_ps(_mm512_loadu_ps(dw + t * cout + 16 * v), acc[t][v]));
      if (!dbias) continue;
      alignas(64) float part[16];
      _mm512_store_ps(part, bsum[v]);
      for (int co = 0; co < 16; co++) dbias[16 * v + co] += part[co];
    }
  }
}

// The register-patch kernel where it serves (1 in-channel, 2×2 or 3×3 filters, 16 or 32 out-channels,
// a window's patch ≤ 16 values), else the Lanes<8> one.
bool conv_relu_pool_filter_grad_avx512(const ConvGeometry& g, const PoolWindows& p, int64_t cout, const float* x, const float* dy, const float* y,
                                       const uint8_t* winners, float* dw, double* dbias) {
  const int64_t rows = (p.fh - 1) * g.strideH + g.kh, cols = (p.fw - 1) * g.strideW + g.kw;
  if (g.c == 1 && g.dilH == 1 && g.dilW == 1 && rows * cols <= 16 && g.kh == g.kw && (g.kh == 2 || g.kh == 3) && (cout == 16 || cout == 32)) {
    if (g.kh == 3 && cout == 32) relu_pool_grad_patch16<3, 3, 2>(g, p, rows, cols, x, dy, y, winners, dw, dbias);
    else if (g.kh == 3) relu_pool_grad_patch16<3, 3, 1>(g, p, rows, cols, x, dy, y, winners, dw, dbias);
    else if (cout == 32) relu_pool_grad_patch16<2, 2, 2>(g, p, rows, cols, x, dy, y, winners, dw, dbias);
    else relu_pool_grad_patch16<2, 2, 1>(g, p, rows, cols, x, dy, y, winners, dw, dbias);
    return true;
  }
  return conv_relu_pool_filter_grad<Lanes<8>>(g, p, cout, x, dy, y, winners, dw, dbias);
}

}  // namespace

// The GEMM and Adam run 16 floats wide. The ReLU gradient, the argmax taps and the direct
// convolutions keep the 8-float width they were tuned at (out-channel counts of 8–64), but for the
// fused block's filter gradient on 1-channel images (above).
extern const Isa kAvx512 = {"avx512", true, 2 * 16, gemm_block<Lanes<16>>, gemm_pack<Lanes<16>>, gemm_packed<Lanes<16>>, adam<Lanes<16>>, relu_bias_grad<Lanes<8>>, argmax_tap<Lanes<8>>, conv_filter_grad_block<Lanes<16>>, col2im_block<Lanes<16>>,
                            conv_bias_act_direct<Lanes<8>>, conv_filter_grad_direct<Lanes<8>>,
                          conv_relu_pool_direct<Lanes<8>>, conv_relu_pool_filter_grad_avx512};
}  // namespace elegy

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
