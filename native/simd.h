// The SIMD-width template: Lanes<W> wraps the W-float registers of one x86 vector ISA
// (Lanes<8>: AVX2 + FMA on ymm; Lanes<16>: AVX-512F on zmm) behind the same few operations, so
// each hot loop (simd-kernels.h) is written once and compiled per width (simd-avx2.cc,
// simd-avx512.cc). Each operation carries its ISA's target attribute: the kernels can only
// inline them where that ISA is enabled, and nothing here runs unless the CPU has it.
#pragma once

#include "isa.h"

#ifdef ELEGY_X86
#include <immintrin.h>
#include <cstdint>

namespace elegy {

template <int W>
struct Lanes;

#define ELEGY_AVX2 __attribute__((target("avx2,fma"), always_inline)) static inline
#define ELEGY_AVX512 __attribute__((target("avx512f,avx2,fma"), always_inline)) static inline

template <>
struct Lanes<8> {
  static constexpr int W = 8;
  static constexpr int GEMM_ROWS = 6;  // 16 registers: 6×2 accumulators, two of B, one of A
  using V = __m256;
  using I = __m256i;
  using Mask = __m256;  // all-ones lanes where true
  ELEGY_AVX2 V zero() { return _mm256_setzero_ps(); }
  /** Asks for p's cache line ahead of its use. */
  ELEGY_AVX2 void prefetch(const float* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0); }
  ELEGY_AVX2 V set1(float a) { return _mm256_set1_ps(a); }
  ELEGY_AVX2 V broadcast(const float* a) { return _mm256_broadcast_ss(a); }
  ELEGY_AVX2 V load(const float* p) { return _mm256_loadu_ps(p); }
  ELEGY_AVX2 void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  ELEGY_AVX2 V add(V a, V b) { return _mm256_add_ps(a, b); }
  ELEGY_AVX2 V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  ELEGY_AVX2 V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  ELEGY_AVX2 V div(V a, V b) { return _mm256_div_ps(a, b); }
  ELEGY_AVX2 V sqrt(V a) { return _mm256_sqrt_ps(a); }
  ELEGY_AVX2 V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  /** max(0, a): a when a is NaN (tf.relu keeps NaN). */
  ELEGY_AVX2 V relu(V a) { return _mm256_max_ps(_mm256_setzero_ps(), a); }
  ELEGY_AVX2 Mask greater(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  /** dy where y > 0, else +0 (the ReLU gradient's mask). */
  ELEGY_AVX2 V where_positive(V dy, V y) { return _mm256_and_ps(dy, _mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_GT_OQ)); }
  ELEGY_AVX2 V select(Mask m, V no, V yes) { return _mm256_blendv_ps(no, yes, m); }
  ELEGY_AVX2 I iota(int32_t from) { return _mm256_add_epi32(_mm256_set1_epi32(from), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
  ELEGY_AVX2 I load_int(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  ELEGY_AVX2 void store_int(int32_t* p, I v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  ELEGY_AVX2 I select_int(Mask m, I no, I yes) {
    return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(no), _mm256_castsi256_ps(yes), m));
  }
  ELEGY_AVX2 I set1_int(int32_t a) { return _mm256_set1_epi32(a); }
  /** Lanes equal to a. */
  ELEGY_AVX2 Mask equal_int(I v, int32_t a) { return _mm256_castsi256_ps(_mm256_cmpeq_epi32(v, _mm256_set1_epi32(a))); }
  /** W bytes from p, one per lane (zero-extended). */
  ELEGY_AVX2 I load_bytes(const uint8_t* p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))); }
  /** The low byte of each lane (values 0–255) to p[0..W). */
  ELEGY_AVX2 void store_bytes(uint8_t* p, I v) {
    const __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(words, words));
  }
  /** The first n lanes from p (n ≤ W), zeros after; nothing past them is read. */
  ELEGY_AVX2 V load_first(const float* p, int64_t n) { return _mm256_maskload_ps(p, first_lanes(n)); }
  /** Stores the first n lanes of v (n ≤ W); nothing past them is written. */
  ELEGY_AVX2 void store_first(float* p, V v, int64_t n) { _mm256_maskstore_ps(p, first_lanes(n), v); }
  ELEGY_AVX2 I first_lanes(int64_t n) { return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)); }
  /** dst[r][c] = src[c][r] for an 8×8 block (strides in floats). */
  ELEGY_AVX2 void transpose8x8(const float* src, int64_t srcStride, float* dst, int64_t dstStride) {
    __m256 r[8], t[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * srcStride);
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
      r[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
      r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
      r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
      r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 4; i++) {
      _mm256_storeu_ps(dst + i * dstStride, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
      _mm256_storeu_ps(dst + (i + 4) * dstStride, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
    }
  }
  /** acc[0..W) += v, widened to double. */
  ELEGY_AVX2 void add_to(double* acc, V v) {
    _mm256_storeu_pd(acc, _mm256_add_pd(_mm256_loadu_pd(acc), _mm256_cvtps_pd(_mm256_castps256_ps128(v))));
    _mm256_storeu_pd(acc + 4, _mm256_add_pd(_mm256_loadu_pd(acc + 4), _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1))));
  }
};

// GCC 12 warns that _mm512_sqrt_ps's own undefined pass-through "may be used uninitialized".
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
template <>
struct Lanes<16> {
  static constexpr int W = 16;
  static constexpr int GEMM_ROWS = 8;  // 32 registers: 8×2 accumulators, two of B, one of A
  using V = __m512;
  using I = __m512i;
  using Mask = __mmask16;
  ELEGY_AVX512 V zero() { return _mm512_setzero_ps(); }
  ELEGY_AVX512 void prefetch(const float* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0); }
  ELEGY_AVX512 V set1(float a) { return _mm512_set1_ps(a); }
  ELEGY_AVX512 V broadcast(const float* a) { return _mm512_set1_ps(*a); }
  ELEGY_AVX512 V load(const float* p) { return _mm512_loadu_ps(p); }
  ELEGY_AVX512 void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  ELEGY_AVX512 V add(V a, V b) { return _mm512_add_ps(a, b); }
  ELEGY_AVX512 V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  ELEGY_AVX512 V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  ELEGY_AVX512 V div(V a, V b) { return _mm512_div_ps(a, b); }
  ELEGY_AVX512 V sqrt(V a) { return _mm512_sqrt_ps(a); }
  ELEGY_AVX512 V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  ELEGY_AVX512 V relu(V a) { return _mm512_max_ps(_mm512_setzero_ps(), a); }
  ELEGY_AVX512 Mask greater(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  ELEGY_AVX512 V where_positive(V dy, V y) { return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_GT_OQ), dy); }
  ELEGY_AVX512 V select(Mask m, V no, V yes) { return _mm512_mask_blend_ps(m, no, yes); }
  ELEGY_AVX512 I iota(int32_t from) {
    return _mm512_add_epi32(_mm512_set1_epi32(from), _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  }
  ELEGY_AVX512 I load_int(const int32_t* p) { return _mm512_loadu_si512(p); }
  ELEGY_AVX512 void store_int(int32_t* p, I v) { _mm512_storeu_si512(p, v); }
  ELEGY_AVX512 I select_int(Mask m, I no, I yes) { return _mm512_mask_blend_epi32(m, no, yes); }
  ELEGY_AVX512 I set1_int(int32_t a) { return _mm512_set1_epi32(a); }
  ELEGY_AVX512 Mask equal_int(I v, int32_t a) { return _mm512_cmpeq_epi32_mask(v, _mm512_set1_epi32(a)); }
  ELEGY_AVX512 I load_bytes(const uint8_t* p) { return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  ELEGY_AVX512 void store_bytes(uint8_t* p, I v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(v)); }
  ELEGY_AVX512 V load_first(const float* p, int64_t n) { return _mm512_maskz_loadu_ps(first_lanes(n), p); }
  ELEGY_AVX512 void store_first(float* p, V v, int64_t n) { _mm512_mask_storeu_ps(p, first_lanes(n), v); }
  ELEGY_AVX512 Mask first_lanes(int64_t n) { return static_cast<Mask>((1u << n) - 1); }
  ELEGY_AVX512 void add_to(double* acc, V v) {
    const __m256 high = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    _mm512_storeu_pd(acc, _mm512_add_pd(_mm512_loadu_pd(acc), _mm512_cvtps_pd(_mm512_castps512_ps256(v))));
    _mm512_storeu_pd(acc + 8, _mm512_add_pd(_mm512_loadu_pd(acc + 8), _mm512_cvtps_pd(high)));
  }
};
#pragma GCC diagnostic pop

#undef ELEGY_AVX2
#undef ELEGY_AVX512

}  // namespace elegy

#endif
