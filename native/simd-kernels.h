// The hot loops, written once over Lanes<W> (simd.h) and compiled per vector width by
// simd-avx2.cc and simd-avx512.cc, each with its ISA enabled for the whole of this file.
// Everything is in an unnamed namespace: each width's copy stays inside its own file, so the
// linker can never hand one ISA's code to a CPU that only has the other.
// Every lane does the same float operations in the same order as the portable C++, so the
// widths differ only in speed (the tests compare each against the others).
#pragma once

#include <cstdint>
#include <cstring>

#include "elementwise.h"
#include "gemm.h"
#include "pooling.h"
#include "simd.h"

namespace elegy {
namespace {

// acc[MR][2W] = Σ_p A(r, p) · bp[p][c]: six rows of C in 12 registers, B's panel two registers wide.
template <class L>
void gemm_micro(int64_t kc, const float* const* rows, int64_t ks, const float* bp, float* acc) {
  using V = typename L::V;
  constexpr int W = L::W;
  const float *a0 = rows[0], *a1 = rows[1], *a2 = rows[2], *a3 = rows[3], *a4 = rows[4], *a5 = rows[5];
  V c00 = L::zero(), c01 = L::zero(), c10 = L::zero(), c11 = L::zero(), c20 = L::zero(), c21 = L::zero();
  V c30 = L::zero(), c31 = L::zero(), c40 = L::zero(), c41 = L::zero(), c50 = L::zero(), c51 = L::zero();
  for (int64_t p = 0; p < kc; p++) {
    const V b0 = L::load(bp);
    const V b1 = L::load(bp + W);
    const int64_t at = p * ks;
    V a = L::broadcast(a0 + at);
    c00 = L::fmadd(a, b0, c00); c01 = L::fmadd(a, b1, c01);
    a = L::broadcast(a1 + at);
    c10 = L::fmadd(a, b0, c10); c11 = L::fmadd(a, b1, c11);
    a = L::broadcast(a2 + at);
    c20 = L::fmadd(a, b0, c20); c21 = L::fmadd(a, b1, c21);
    a = L::broadcast(a3 + at);
    c30 = L::fmadd(a, b0, c30); c31 = L::fmadd(a, b1, c31);
    a = L::broadcast(a4 + at);
    c40 = L::fmadd(a, b0, c40); c41 = L::fmadd(a, b1, c41);
    a = L::broadcast(a5 + at);
    c50 = L::fmadd(a, b0, c50); c51 = L::fmadd(a, b1, c51);
    bp += 2 * W;
  }
  L::store(acc + 0 * W, c00); L::store(acc + 1 * W, c01);
  L::store(acc + 2 * W, c10); L::store(acc + 3 * W, c11);
  L::store(acc + 4 * W, c20); L::store(acc + 5 * W, c21);
  L::store(acc + 6 * W, c30); L::store(acc + 7 * W, c31);
  L::store(acc + 8 * W, c40); L::store(acc + 9 * W, c41);
  L::store(acc + 10 * W, c50); L::store(acc + 11 * W, c51);
}

// Three divisions and a square root per value, W at a time: bound by memory.
template <class L>
void adam(int64_t n, const float* p, const float* g, const float* m, const float* v, float* op, float* om, float* ov, const AdamScalars& s) {
  using V = typename L::V;
  const V k1 = L::set1(s.keep1), t1 = L::set1(s.take1), k2 = L::set1(s.keep2), t2 = L::set1(s.take2);
  const V lr = L::set1(s.lr), c1 = L::set1(s.c1), c2 = L::set1(s.c2), eps = L::set1(s.eps), decay = L::set1(s.decay);
  int64_t i = 0;
  for (; i + L::W <= n; i += L::W) {
    const V gi = L::load(g + i);
    const V mi = L::add(L::mul(k1, L::load(m + i)), L::mul(t1, gi));
    const V vi = L::add(L::mul(k2, L::load(v + i)), L::mul(t2, L::mul(gi, gi)));
    L::store(om + i, mi);
    L::store(ov + i, vi);
    V pi = L::load(p + i);
    if (s.decay != 0) pi = L::sub(pi, L::mul(pi, decay));
    const V step = L::div(L::div(mi, c1), L::add(L::sqrt(L::div(vi, c2)), eps));
    L::store(op + i, L::sub(pi, L::mul(lr, step)));
  }
  adam_portable(n - i, p + i, g + i, m + i, v + i, op + i, om + i, ov + i, s);
}

template <class L>
void relu_bias_grad(const float* __restrict dy, const float* __restrict y, float* __restrict g, double* acc, int64_t rows, int64_t cols) {
  const int64_t vec = cols / L::W * L::W;
  for (int64_t r = 0; r < rows; r++) {
    const float* dyr = dy + r * cols;
    const float* yr = y + r * cols;
    float* gr = g + r * cols;
    int64_t c = 0;
    for (; c < vec; c += L::W) {
      const typename L::V masked = L::where_positive(L::load(dyr + c), L::load(yr + c));
      L::store(gr + c, masked);
      if (acc) L::add_to(acc + c, masked);
    }
    for (; c < cols; c++) {
      gr[c] = relu_mask(dyr[c], yr[c]);
      if (acc) acc[c] += gr[c];
    }
  }
}

template <class L>
void argmax_tap(const float* xs, float* yo, int32_t* io, int32_t at, int64_t c) {
  int64_t ci = 0;
  for (; ci + L::W <= c; ci += L::W) {
    const typename L::V v = L::load(xs + ci);
    const typename L::V best = L::load(yo + ci);
    const typename L::Mask greater = L::greater(v, best);
    L::store(yo + ci, L::select(greater, best, v));
    L::store_int(io + ci, L::select_int(greater, L::load_int(io + ci), L::iota(at + static_cast<int32_t>(ci))));
  }
  argmax_tap_portable(xs + ci, yo + ci, io + ci, at + static_cast<int32_t>(ci), c - ci);
}

// Direct convolutions for out-channel counts that fill whole registers (V registers of W,
// V·W ≤ 64): a pixel's outputs stay in V registers over all taps. One output pixel (P = 1) or
// two neighbours along the width (P = 2: each filter row loaded once feeds both, and twice the
// independent FMA chains).
template <class L, int V, int P>
inline __attribute__((always_inline)) void conv_direct_pixels(const ConvGeometry& g, const float* x, const float* filter, const float* bias,
                                                              float* out, bool relu, int64_t n, int64_t oh, int64_t ow) {
  constexpr int64_t cout = V * L::W;
  typename L::V acc[P][V];
  for (int p = 0; p < P; p++)
    for (int v = 0; v < V; v++) acc[p][v] = bias ? L::load(bias + L::W * v) : L::zero();
  const int64_t iw0 = ow * g.strideW - g.padLeft;
  for (int64_t fh = 0; fh < g.kh; fh++) {
    const int64_t ih = oh * g.strideH - g.padTop + fh * g.dilH;
    if (ih < 0 || ih >= g.h) continue;
    for (int64_t fw = 0; fw < g.kw; fw++) {
      const int64_t iw = iw0 + fw * g.dilW;
      // P = 2 is only used where both windows lie inside the image's width.
      if (P == 1 && (iw < 0 || iw >= g.w)) continue;
      const float* xs = x + ((n * g.h + ih) * g.w + iw) * g.c;
      const float* wt = filter + (fh * g.kw + fw) * g.c * cout;
      for (int64_t ci = 0; ci < g.c; ci++) {
        typename L::V xv[P];
        for (int p = 0; p < P; p++) xv[p] = L::broadcast(xs + p * g.strideW * g.c + ci);
        const float* row = wt + ci * cout;
        for (int v = 0; v < V; v++) {
          const typename L::V wv = L::load(row + L::W * v);
          for (int p = 0; p < P; p++) acc[p][v] = L::fmadd(xv[p], wv, acc[p][v]);
        }
      }
    }
  }
  float* dst = out + ((n * g.outH + oh) * g.outW + ow) * cout;
  for (int p = 0; p < P; p++)
    for (int v = 0; v < V; v++) L::store(dst + p * cout + L::W * v, relu ? L::relu(acc[p][v]) : acc[p][v]);
}

template <class L, int V>
void conv_bias_act_direct_v(const ConvGeometry& g, const float* x, const float* filter, const float* bias, float* out, bool relu) {
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW;) {
        const int64_t iw = ow * g.strideW - g.padLeft;
        const bool pair = V * L::W <= 32 && ow + 1 < g.outW && iw >= 0 && iw + g.strideW + (g.kw - 1) * g.dilW < g.w;
        if (pair) {
          conv_direct_pixels<L, V, 2>(g, x, filter, bias, out, relu, n, oh, ow);
          ow += 2;
        } else {
          conv_direct_pixels<L, V, 1>(g, x, filter, bias, out, relu, n, oh, ow);
          ow += 1;
        }
      }
    }
  }
}

// The filter gradient works on blocks of pixels whose masked gradients sit in a small buffer,
// accumulating each (tap, in-channel) row of dw in V registers.
template <class L, int V>
void conv_filter_grad_direct_v(const ConvGeometry& g, const float* x, const float* dy, const float* y, float* dw, double* dbias, bool relu) {
  using Vec = typename L::V;
  constexpr int64_t W = L::W;
  constexpr int64_t cout = V * W;
  constexpr int64_t P = 32;  // pixels per block
  alignas(64) float gbuf[P * cout];
  int64_t base[P], ih0[P], iw0[P];
  std::memset(dw, 0, sizeof(float) * g.kh * g.kw * g.c * cout);
  const int64_t total = g.batch * g.outH * g.outW;
  for (int64_t p0 = 0; p0 < total; p0 += P) {
    const int64_t count = total - p0 < P ? total - p0 : P;
    Vec bsum[V];
    for (int v = 0; v < V; v++) bsum[v] = L::zero();
    for (int64_t q = 0; q < count; q++) {
      const int64_t p = p0 + q;
      const int64_t ow = p % g.outW, oh = (p / g.outW) % g.outH, n = p / (g.outW * g.outH);
      base[q] = n * g.h;
      ih0[q] = oh * g.strideH - g.padTop;
      iw0[q] = ow * g.strideW - g.padLeft;
      for (int v = 0; v < V; v++) {
        Vec gv = L::load(dy + p * cout + W * v);
        if (relu) gv = L::where_positive(gv, L::load(y + p * cout + W * v));
        L::store(gbuf + q * cout + W * v, gv);
        bsum[v] = L::add(bsum[v], gv);
      }
    }
    if (dbias) {
      alignas(64) float part[cout];
      for (int v = 0; v < V; v++) L::store(part + W * v, bsum[v]);
      for (int64_t co = 0; co < cout; co++) dbias[co] += part[co];
    }
    for (int64_t fh = 0; fh < g.kh; fh++) {
      for (int64_t fw = 0; fw < g.kw; fw++) {
        for (int64_t ci = 0; ci < g.c; ci++) {
          // Two sets of accumulators (even and odd pixels) halve the FMA dependency chains.
          Vec acc[V], odd[V];
          for (int v = 0; v < V; v++) acc[v] = odd[v] = L::zero();
          for (int64_t q = 0; q < count; q++) {
            const int64_t ih = ih0[q] + fh * g.dilH, iw = iw0[q] + fw * g.dilW;
            if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
            const Vec xv = L::broadcast(x + ((base[q] + ih) * g.w + iw) * g.c + ci);
            if (q & 1) {
              for (int v = 0; v < V; v++) odd[v] = L::fmadd(xv, L::load(gbuf + q * cout + W * v), odd[v]);
            } else {
              for (int v = 0; v < V; v++) acc[v] = L::fmadd(xv, L::load(gbuf + q * cout + W * v), acc[v]);
            }
          }
          float* row = dw + ((fh * g.kw + fw) * g.c + ci) * cout;
          for (int v = 0; v < V; v++) L::store(row + W * v, L::add(L::load(row + W * v), L::add(acc[v], odd[v])));
        }
      }
    }
  }
}

// The kernel for this out-channel count (a multiple of W up to 64), or false.
template <class L, int V = 1>
bool conv_bias_act_direct(const ConvGeometry& g, int64_t cout, const float* x, const float* f, const float* b, float* out, bool relu) {
  if constexpr (V * L::W > 64) {
    return false;
  } else {
    if (cout == V * L::W) {
      conv_bias_act_direct_v<L, V>(g, x, f, b, out, relu);
      return true;
    }
    return conv_bias_act_direct<L, V + 1>(g, cout, x, f, b, out, relu);
  }
}

template <class L, int V = 1>
bool conv_filter_grad_direct(const ConvGeometry& g, int64_t cout, const float* x, const float* dy, const float* y, float* dw, double* db, bool relu) {
  if constexpr (V * L::W > 64) {
    return false;
  } else {
    if (cout == V * L::W) {
      conv_filter_grad_direct_v<L, V>(g, x, dy, y, dw, db, relu);
      return true;
    }
    return conv_filter_grad_direct<L, V + 1>(g, cout, x, dy, y, dw, db, relu);
  }
}

}  // namespace
}  // namespace elegy
