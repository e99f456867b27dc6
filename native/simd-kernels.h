// The hot loops, written once over Lanes<W> (simd.h) and compiled per vector width by
// simd-avx2.cc and simd-avx512.cc, each with its ISA enabled for the whole of this file.
// Everything is in an unnamed namespace: each width's copy stays inside its own file, so the
// linker can never hand one ISA's code to a CPU that only has the other.
// Every lane does the same float operations in the same order as the portable C++, so the
// widths differ only in speed (the tests compare each against the others).
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "conv.h"
#include "elementwise.h"
#include "gemm.h"
#include "pooling.h"
#include "simd.h"

namespace elegy {
namespace {

// GEMM, rows [i_begin, i_end) × columns [j_begin, j_end) of c = op(a) · op(b) (k > 0), BLIS's
// loops: for each block of KC values of k, B is packed in panels of 2W columns, then each tile of
// up to GEMM_ROWS rows × one panel is summed in registers and stored straight into C (the first
// block of k stores, the others add). Every C value is a chain of FMAs over k in order, restarted
// at each block of KC, whatever the tile: a column or row half gives the same bits as the whole.
// A is read in place: its rows (or, transposed, its columns: consecutive values) are broadcast.

// B's values (p0.., j0..) for one block, in panels of nr = 2W columns: panel[p][c], zeros past n.
template <class L>
void gemm_pack_b(const Matrix& b, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* out) {
  constexpr int64_t W = L::W, nr = 2 * L::W;
  for (int64_t jr = 0; jr < nc; jr += nr) {
    const int64_t cols = nc - jr < nr ? nc - jr : nr;
    float* panel = out + jr * kc;
    if (b.transposed) {
      // op(B)(p, j) = data[j * rows + p]: 8×8 blocks transposed in registers, the edges one by one.
      const float* src = b.data + (j0 + jr) * b.rows + p0;
      const int64_t c8 = cols / 8 * 8, p8 = kc / 8 * 8;
      for (int64_t c = 0; c < c8; c += 8) {
        for (int64_t p = 0; p < p8; p += 8) Lanes<8>::transpose8x8(src + c * b.rows + p, b.rows, panel + p * nr + c, nr);
        for (int64_t p = p8; p < kc; p++)
          for (int64_t cc = c; cc < c + 8; cc++) panel[p * nr + cc] = src[cc * b.rows + p];
      }
      for (int64_t p = 0; p < kc; p++) {
        for (int64_t cc = c8; cc < cols; cc++) panel[p * nr + cc] = src[cc * b.rows + p];
        for (int64_t cc = cols; cc < nr; cc++) panel[p * nr + cc] = 0.0f;
      }
    } else {
      const float* src = b.data + p0 * b.cols + j0 + jr;
      for (int64_t p = 0; p < kc; p++, src += b.cols) {
        float* dst = panel + p * nr;
        if (cols == nr) {
          L::store(dst, L::load(src));
          L::store(dst + W, L::load(src + W));
        } else {
          L::store(dst, L::load_first(src, cols < W ? cols : W));
          L::store(dst + W, cols > W ? L::load_first(src + W, cols - W) : L::zero());
        }
      }
    }
  }
}

// One tile: R rows × NV registers of columns (cols of them kept), from the packed panel bp.
// A(r, p) = a[r * rs + p * ks]; transposed A (TA) has rs = 1, so one pointer serves every row.
// One value of k for rows read in place: acc[r] += A(r, p) · B's panel row.
template <class L, int R, int NV>
inline __attribute__((always_inline)) void gemm_step(typename L::V (&acc)[R][NV], const float* bp, const float* const (&row)[R], int64_t p) {
  typename L::V bv[NV];
  for (int v = 0; v < NV; v++) bv[v] = L::load(bp + v * L::W);
  for (int r = 0; r < R; r++) {
    const typename L::V av = L::broadcast(row[r] + p);
    for (int v = 0; v < NV; v++) acc[r][v] = L::fmadd(av, bv[v], acc[r][v]);
  }
}

// With PF, `ahead` is the next tile's rows of A (read in place), fetched a cache line per 16 values of
// k as this tile goes: rows of a large A (im2col's) come from memory, in runs too short for the
// hardware prefetcher to catch.
template <class L, int R, int NV, bool TA, bool PF>
inline __attribute__((always_inline)) void gemm_tile(int64_t kc, const float* a, int64_t rs, int64_t ks, const float* bp, float* c, int64_t ldc,
                                                     int64_t cols, bool add, const float* ahead) {
  using V = typename L::V;
  constexpr int64_t W = L::W, nr = 2 * L::W;
  V acc[R][NV];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < NV; v++) acc[r][v] = L::zero();
  if (TA) {
    for (int64_t p = 0; p < kc; p++, bp += nr, a += ks) {
      V bv[NV];
      for (int v = 0; v < NV; v++) bv[v] = L::load(bp + v * W);
      for (int r = 0; r < R; r++) {
        const V av = L::broadcast(a + r);
        for (int v = 0; v < NV; v++) acc[r][v] = L::fmadd(av, bv[v], acc[r][v]);
      }
    }
  } else {
    const float* row[R];
    for (int r = 0; r < R; r++) row[r] = a + r * rs;
    if (PF) {
      for (int64_t p0 = 0; p0 < kc; p0 += 16) {
        for (int r = 0; r < L::GEMM_ROWS; r++) L::prefetch(ahead + r * rs + p0);
        const int64_t p1 = kc - p0 < 16 ? kc : p0 + 16;
        for (int64_t p = p0; p < p1; p++, bp += nr) gemm_step<L, R, NV>(acc, bp, row, p);
      }
    } else {
      for (int64_t p = 0; p < kc; p++, bp += nr) gemm_step<L, R, NV>(acc, bp, row, p);
    }
  }
  for (int r = 0; r < R; r++) {
    float* out = c + r * ldc;
    for (int v = 0; v < NV; v++) {
      const int64_t n = cols - v * W;
      if (n >= W) {
        L::store(out + v * W, add ? L::add(L::load(out + v * W), acc[r][v]) : acc[r][v]);
      } else if (n > 0) {
        L::store_first(out + v * W, add ? L::add(L::load_first(out + v * W, n), acc[r][v]) : acc[r][v], n);
      }
    }
  }
}

// The tile for `rows` rows (1..GEMM_ROWS), chosen at run time.
template <class L, int NV, bool TA, bool PF, int R = L::GEMM_ROWS>
inline __attribute__((always_inline)) void gemm_tile_rows(int64_t rows, int64_t kc, const float* a, int64_t rs, int64_t ks, const float* bp,
                                                          float* c, int64_t ldc, int64_t cols, bool add, const float* ahead) {
  if constexpr (R == 1) {
    gemm_tile<L, 1, NV, TA, PF>(kc, a, rs, ks, bp, c, ldc, cols, add, ahead);
  } else {
    if (rows == R) return gemm_tile<L, R, NV, TA, PF>(kc, a, rs, ks, bp, c, ldc, cols, add, ahead);
    gemm_tile_rows<L, NV, TA, PF, R - 1>(rows, kc, a, rs, ks, bp, c, ldc, cols, add, ahead);
  }
}

template <class L, bool TA>
void gemm_block_a(const Matrix& a, const Matrix& b, float* c, int64_t i_begin, int64_t i_end, int64_t j_begin, int64_t j_end, float* packed) {
  constexpr int64_t W = L::W, nr = 2 * L::W, MR = L::GEMM_ROWS;
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  const int64_t rs = TA ? 1 : k, ks = TA ? m : 1;
  // Prefetching paid on im2col's rows (A over 512 KB, k ≥ 128: ~1.2× on 7744×288 · 288×64) and cost
  // time where A stays in L2 (an MLP's batch) or its rows are short.
  const bool prefetch = !TA && (i_end - i_begin) * k > (1 << 17) && k >= 128;
  for (int64_t j0 = j_begin; j0 < j_end; j0 += GEMM_NC) {
    const int64_t nc = j_end - j0 < GEMM_NC ? j_end - j0 : GEMM_NC;
    for (int64_t p0 = 0; p0 < k; p0 += GEMM_KC) {
      const int64_t kc = k - p0 < GEMM_KC ? k - p0 : GEMM_KC;
      gemm_pack_b<L>(b, p0, kc, j0, nc, packed);
      for (int64_t i0 = i_begin; i0 < i_end; i0 += MR) {
        const int64_t rows = i_end - i0 < MR ? i_end - i0 : MR;
        const float* at = a.data + i0 * rs + p0 * ks;
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const int64_t cols = nc - jr < nr ? nc - jr : nr;
          float* out = c + i0 * n + j0 + jr;
          const float* bp = packed + jr * kc;
          // The next full tile's rows, while the first panel is computed.
          if (prefetch && jr == 0 && i0 + 2 * MR <= i_end) {
            const float* ahead = at + MR * rs;
            if (cols > W) gemm_tile_rows<L, 2, TA, true>(rows, kc, at, rs, ks, bp, out, n, cols, p0 > 0, ahead);
            else gemm_tile_rows<L, 1, TA, true>(rows, kc, at, rs, ks, bp, out, n, cols, p0 > 0, ahead);
          } else {
            if (cols > W) gemm_tile_rows<L, 2, TA, false>(rows, kc, at, rs, ks, bp, out, n, cols, p0 > 0, nullptr);
            else gemm_tile_rows<L, 1, TA, false>(rows, kc, at, rs, ks, bp, out, n, cols, p0 > 0, nullptr);
          }
        }
      }
    }
  }
}

template <class L>
void gemm_block(const Matrix& a, const Matrix& b, float* c, int64_t i_begin, int64_t i_end, int64_t j_begin, int64_t j_end, float* packed) {
  if (a.transposed) gemm_block_a<L, true>(a, b, c, i_begin, i_end, j_begin, j_end, packed);
  else gemm_block_a<L, false>(a, b, c, i_begin, i_end, j_begin, j_end, packed);
}

// All of op(b) packed (gemm.h's gemm_pack layout): each block of KC values of k as panels of 2W columns.
template <class L>
void gemm_pack(const Matrix& b, float* packed) {
  constexpr int64_t nr = 2 * L::W;
  const int64_t k = b.rows, n = b.cols, width = (n + nr - 1) / nr * nr;
  for (int64_t p0 = 0; p0 < k; p0 += GEMM_KC) gemm_pack_b<L>(b, p0, k - p0 < GEMM_KC ? k - p0 : GEMM_KC, 0, n, packed + p0 * width);
}

// c[m][n] = op(a) · B, or c += it (`add`), from B packed by gemm_pack: gemm_block_a's loops without
// the packing (A here is a block of patches that sits in L2, so no prefetching either).
template <class L, bool TA>
void gemm_packed_a(const Matrix& a, const float* packed, int64_t n, float* c, bool add) {
  constexpr int64_t W = L::W, nr = 2 * L::W, MR = L::GEMM_ROWS;
  const int64_t m = a.rows, k = a.cols, width = (n + nr - 1) / nr * nr;
  const int64_t rs = TA ? 1 : k, ks = TA ? m : 1;
  for (int64_t p0 = 0; p0 < k; p0 += GEMM_KC) {
    const int64_t kc = k - p0 < GEMM_KC ? k - p0 : GEMM_KC;
    const float* block = packed + p0 * width;
    const bool accumulate = add || p0 > 0;
    for (int64_t i0 = 0; i0 < m; i0 += MR) {
      const int64_t rows = m - i0 < MR ? m - i0 : MR;
      const float* at = a.data + i0 * rs + p0 * ks;
      for (int64_t jr = 0; jr < n; jr += nr) {
        const int64_t cols = n - jr < nr ? n - jr : nr;
        float* out = c + i0 * n + jr;
        if (cols > W) gemm_tile_rows<L, 2, TA, false>(rows, kc, at, rs, ks, block + jr * kc, out, n, cols, accumulate, nullptr);
        else gemm_tile_rows<L, 1, TA, false>(rows, kc, at, rs, ks, block + jr * kc, out, n, cols, accumulate, nullptr);
      }
    }
  }
}

template <class L>
void gemm_packed(const Matrix& a, const float* packed, int64_t n, float* c, bool add) {
  if (a.transposed) gemm_packed_a<L, true>(a, packed, n, c, add);
  else gemm_packed_a<L, false>(a, packed, n, c, add);
}

// The filter gradient of a block of output pixels without im2col or packing: dw rows [q0, q1)
// (row = tap · c + in-channel) += Σ over the block's pixels of x's patch value · dy's row, x and dy
// read in place. A tile is up to GEMM_ROWS rows of one tap × 2W out-channels: per pixel, one pointer
// to that tap's input pixel (or to zeros, in the padding), whose consecutive in-channels are
// broadcast, and dy's row. Each dw value is the same FMA chain over the block's pixels as the GEMM
// on im2col's rows (gemm_tile with A transposed), so the results are that GEMM's bit for bit.
template <class L, int R, int NV, bool EDGE>
inline __attribute__((always_inline)) void filter_grad_tile(int64_t count, const float* const* taps, int64_t ci, const float* dy, int64_t cout,
                                                            int64_t cols, float* c, bool add) {
  using V = typename L::V;
  constexpr int64_t W = L::W;
  V acc[R][NV];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < NV; v++) acc[r][v] = L::zero();
  for (int64_t p = 0; p < count; p++, dy += cout) {
    V bv[NV];
    for (int v = 0; v < NV; v++) {
      if (EDGE) bv[v] = cols - v * W >= W ? L::load(dy + v * W) : L::load_first(dy + v * W, cols - v * W);
      else bv[v] = L::load(dy + v * W);
    }
    const float* a = taps[p] + ci;
    for (int r = 0; r < R; r++) {
      const V av = L::broadcast(a + r);
      for (int v = 0; v < NV; v++) acc[r][v] = L::fmadd(av, bv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; r++) {
    float* out = c + r * cout;
    for (int v = 0; v < NV; v++) {
      const int64_t n = cols - v * W;
      if (n >= W) L::store(out + v * W, add ? L::add(L::load(out + v * W), acc[r][v]) : acc[r][v]);
      else if (n > 0) L::store_first(out + v * W, add ? L::add(L::load_first(out + v * W, n), acc[r][v]) : acc[r][v], n);
    }
  }
}

template <class L, int NV, bool EDGE, int R = L::GEMM_ROWS>
inline __attribute__((always_inline)) void filter_grad_tile_rows(int64_t rows, int64_t count, const float* const* taps, int64_t ci, const float* dy,
                                                                 int64_t cout, int64_t cols, float* c, bool add) {
  if constexpr (R == 1) {
    filter_grad_tile<L, 1, NV, EDGE>(count, taps, ci, dy, cout, cols, c, add);
  } else {
    if (rows == R) return filter_grad_tile<L, R, NV, EDGE>(count, taps, ci, dy, cout, cols, c, add);
    filter_grad_tile_rows<L, NV, EDGE, R - 1>(rows, count, taps, ci, dy, cout, cols, c, add);
  }
}

// Serves blocks of up to GEMM_KC pixels whose in-channels fill whole tiles, 16 or more (otherwise a
// tap's last tile of a few rows costs more than im2col: with AVX2's 6-row tiles, 32 in-channels ran
// 4.2 ms this way vs 3.7 with im2col on the bench CNN's conv2; with AVX-512's 8, 2.9 vs 3.2): false otherwise.
template <class L>
bool conv_filter_grad_block(const ConvGeometry& g, int64_t cout, const float* x, const float* dy, int64_t first, int64_t count, int64_t q0,
                            int64_t q1, float* dw, bool add) {
  constexpr int64_t W = L::W, nr = 2 * L::W, MR = L::GEMM_ROWS;
  if (g.c < 16 || g.c % MR != 0 || count > GEMM_KC) return false;
  static thread_local std::vector<float> zeros;
  if (zeros.size() < static_cast<size_t>(g.c)) zeros.assign(static_cast<size_t>(g.c), 0.0f);
  const float* taps[GEMM_KC];
  const int64_t t0 = q0 / g.c, t1 = (q1 + g.c - 1) / g.c;
  for (int64_t t = t0; t < t1; t++) {
    const int64_t fh = t / g.kw, fw = t % g.kw;
    PixelCursor px(g, first);
    for (int64_t p = 0; p < count; p++) {
      const int64_t ih = px.ih0(g) + fh * g.dilH, iw = px.iw0(g) + fw * g.dilW;
      taps[p] = ih < 0 || ih >= g.h || iw < 0 || iw >= g.w ? zeros.data() : x + ((px.b * g.h + ih) * g.w + iw) * g.c;
      px.next(g);
    }
    const int64_t lo = (q0 > t * g.c ? q0 : t * g.c), hi = (q1 < (t + 1) * g.c ? q1 : (t + 1) * g.c);
    for (int64_t i0 = lo; i0 < hi; i0 += MR) {
      const int64_t rows = hi - i0 < MR ? hi - i0 : MR, ci = i0 - t * g.c;
      for (int64_t jr = 0; jr < cout; jr += nr) {
        const int64_t cols = cout - jr < nr ? cout - jr : nr;
        float* c = dw + i0 * cout + jr;
        const float* b = dy + first * cout + jr;
        if (cols == nr) filter_grad_tile_rows<L, 2, false>(rows, count, taps, ci, b, cout, cols, c, add);
        else if (cols > W) filter_grad_tile_rows<L, 2, true>(rows, count, taps, ci, b, cout, cols, c, add);
        else filter_grad_tile_rows<L, 1, true>(rows, count, taps, ci, b, cout, cols, c, add);
      }
    }
  }
  return true;
}

// col2im_block_portable's additions, W floats at a time (the same additions in the same order).
template <class L>
void col2im_block(const ConvGeometry& g, const float* cols, int64_t first, int64_t count, float* dx) {
  constexpr int64_t W = L::W;
  const int64_t rowLen = g.kh * g.kw * g.c, vec = g.c / W * W;
  PixelCursor px(g, first);
  for (int64_t i = 0; i < count; i++, cols += rowLen) {
    for (int64_t fh = 0; fh < g.kh; fh++) {
      const int64_t ih = px.ih0(g) + fh * g.dilH;
      if (ih < 0 || ih >= g.h) continue;
      for (int64_t fw = 0; fw < g.kw; fw++) {
        const int64_t iw = px.iw0(g) + fw * g.dilW;
        if (iw < 0 || iw >= g.w) continue;
        const float* src = cols + (fh * g.kw + fw) * g.c;
        float* dst = dx + ((px.b * g.h + ih) * g.w + iw) * g.c;
        int64_t ci = 0;
        for (; ci < vec; ci += W) L::store(dst + ci, L::add(L::load(dst + ci), L::load(src + ci)));
        if (ci < g.c) L::store_first(dst + ci, L::add(L::load_first(dst + ci, g.c - ci), L::load_first(src + ci, g.c - ci)), g.c - ci);
      }
    }
    px.next(g);
  }
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
inline __attribute__((always_inline)) void conv_direct_accumulate(const ConvGeometry& g, const float* x, const float* filter, const float* bias,
                                                                  int64_t n, int64_t oh, int64_t ow, typename L::V (&acc)[P][V]) {
  constexpr int64_t cout = V * L::W;
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
}

template <class L, int V, int P>
inline __attribute__((always_inline)) void conv_direct_pixels(const ConvGeometry& g, const float* x, const float* filter, const float* bias,
                                                              float* out, bool relu, int64_t n, int64_t oh, int64_t ow) {
  constexpr int64_t cout = V * L::W;
  typename L::V acc[P][V];
  conv_direct_accumulate<L, V, P>(g, x, filter, bias, n, oh, ow, acc);
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

// dw += Σ over `count` pixels of x's patch ⊗ gbuf's row (pixel q: image row base[q] = n·h, window
// corner ih0[q], iw0[q]), each (tap, in-channel) row of dw accumulated in V registers.
template <class L, int V>
inline __attribute__((always_inline)) void filter_grad_pixels(const ConvGeometry& g, const float* x, const float* gbuf, const int64_t* base,
                                                              const int64_t* ih0, const int64_t* iw0, int64_t count, float* dw) {
  using Vec = typename L::V;
  constexpr int64_t W = L::W;
  constexpr int64_t cout = V * W;
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
    filter_grad_pixels<L, V>(g, x, gbuf, base, ih0, iw0, count, dw);
  }
}

// conv + bias + ReLU + non-overlapping max pooling (conv.h): per pooled value, the conv's pixels of
// its window computed in registers (pairs of neighbours where both lie inside the image's width,
// as conv_bias_act_direct_v), the running maximum and the window position it came from kept in
// registers; only ReLU(max) and the position are stored. Each conv value is the same FMA chain as
// conv_direct_pixels', so the pooled values equal the unfused kernels' bit for bit.
template <class L, int V>
void conv_relu_pool_direct_v(const ConvGeometry& g, const PoolWindows& pw, const float* x, const float* filter, const float* bias, float* out,
                             uint8_t* winners) {
  using Vec = typename L::V;
  using I = typename L::I;
  constexpr int64_t W = L::W, cout = V * W;
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t pr = 0; pr < pw.outH; pr++) {
      for (int64_t pc = 0; pc < pw.outW; pc++) {
        Vec best[V];
        I at[V];
        for (int v = 0; v < V; v++) best[v] = L::zero(), at[v] = L::set1_int(0);  // set by the first position (k = 0)
        int32_t k = 0;
        auto fold = [&](const Vec (&acc)[V]) {
          for (int v = 0; v < V; v++) {
            if (k == 0) {
              best[v] = acc[v];
              at[v] = L::set1_int(0);
            } else {
              const typename L::Mask greater = L::greater(acc[v], best[v]);
              best[v] = L::select(greater, best[v], acc[v]);
              at[v] = L::select_int(greater, at[v], L::set1_int(k));
            }
          }
          k++;
        };
        for (int64_t i = 0; i < pw.fh; i++) {
          const int64_t oh = pr * pw.sh + i;
          for (int64_t j = 0; j < pw.fw;) {
            const int64_t ow = pc * pw.sw + j, iw = ow * g.strideW - g.padLeft;
            if (V * W <= 32 && j + 1 < pw.fw && iw >= 0 && iw + g.strideW + (g.kw - 1) * g.dilW < g.w) {
              Vec acc[2][V];
              conv_direct_accumulate<L, V, 2>(g, x, filter, bias, n, oh, ow, acc);
              fold(acc[0]);
              fold(acc[1]);
              j += 2;
            } else {
              Vec acc[1][V];
              conv_direct_accumulate<L, V, 1>(g, x, filter, bias, n, oh, ow, acc);
              fold(acc[0]);
              j += 1;
            }
          }
        }
        const int64_t o = ((n * pw.outH + pr) * pw.outW + pc) * cout;
        for (int v = 0; v < V; v++) {
          L::store(out + o + W * v, L::relu(best[v]));
          L::store_bytes(winners + o + W * v, at[v]);
        }
      }
    }
  }
}

// Its filter and bias gradient: the conv pixels of every window, in blocks (window after window),
// each with the pooled gradient (masked by pooled > 0) on the channels its position won and 0 on
// the others, through filter_grad_pixels (the unfused kernel's loop) — dy and y at the conv's size
// are never read, nor the pixels past the last window.
template <class L, int V>
void conv_relu_pool_filter_grad_v(const ConvGeometry& g, const PoolWindows& pw, const float* x, const float* dy, const float* y, const uint8_t* winners,
                                  float* dw, double* dbias) {
  using Vec = typename L::V;
  constexpr int64_t W = L::W, cout = V * W;
  constexpr int64_t P = 32;  // conv pixels per block, at least one window's
  const int64_t window = pw.fh * pw.fw, perBlock = window >= P ? 1 : P / window;
  static thread_local std::vector<float> gbufs;
  static thread_local std::vector<int64_t> corners;
  if (gbufs.size() < static_cast<size_t>(perBlock * window * cout)) gbufs.resize(static_cast<size_t>(perBlock * window * cout));
  if (corners.size() < static_cast<size_t>(3 * perBlock * window)) corners.resize(static_cast<size_t>(3 * perBlock * window));
  float* gbuf = gbufs.data();
  int64_t *base = corners.data(), *ih0 = base + perBlock * window, *iw0 = ih0 + perBlock * window;
  std::memset(dw, 0, sizeof(float) * g.kh * g.kw * g.c * cout);
  const int64_t pooled = g.batch * pw.outH * pw.outW;
  for (int64_t q0 = 0; q0 < pooled; q0 += perBlock) {
    const int64_t count = pooled - q0 < perBlock ? pooled - q0 : perBlock;
    Vec bsum[V];
    for (int v = 0; v < V; v++) bsum[v] = L::zero();
    int64_t m = 0;
    for (int64_t q = q0; q < q0 + count; q++) {
      const int64_t pc = q % pw.outW, pr = (q / pw.outW) % pw.outH, n = q / (pw.outW * pw.outH);
      Vec gp[V];
      typename L::I won[V];
      for (int v = 0; v < V; v++) {
        gp[v] = L::where_positive(L::load(dy + q * cout + W * v), L::load(y + q * cout + W * v));
        bsum[v] = L::add(bsum[v], gp[v]);
        won[v] = L::load_bytes(winners + q * cout + W * v);
      }
      for (int64_t i = 0, k = 0; i < pw.fh; i++) {
        for (int64_t j = 0; j < pw.fw; j++, k++, m++) {
          base[m] = n * g.h;
          ih0[m] = (pr * pw.sh + i) * g.strideH - g.padTop;
          iw0[m] = (pc * pw.sw + j) * g.strideW - g.padLeft;
          for (int v = 0; v < V; v++) L::store(gbuf + m * cout + W * v, L::select(L::equal_int(won[v], static_cast<int32_t>(k)), L::zero(), gp[v]));
        }
      }
    }
    if (dbias) {
      alignas(64) float part[cout];
      for (int v = 0; v < V; v++) L::store(part + W * v, bsum[v]);
      for (int64_t co = 0; co < cout; co++) dbias[co] += part[co];
    }
    filter_grad_pixels<L, V>(g, x, gbuf, base, ih0, iw0, m, dw);
  }
}

template <class L, int V = 1>
bool conv_relu_pool_direct(const ConvGeometry& g, const PoolWindows& p, int64_t cout, const float* x, const float* f, const float* b, float* out,
                           uint8_t* winners) {
  if constexpr (V * L::W > 64) {
    return false;
  } else {
    if (cout == V * L::W) {
      conv_relu_pool_direct_v<L, V>(g, p, x, f, b, out, winners);
      return true;
    }
    return conv_relu_pool_direct<L, V + 1>(g, p, cout, x, f, b, out, winners);
  }
}

template <class L, int V = 1>
bool conv_relu_pool_filter_grad(const ConvGeometry& g, const PoolWindows& p, int64_t cout, const float* x, const float* dy, const float* y,
                                const uint8_t* winners, float* dw, double* db) {
  if constexpr (V * L::W > 64) {
    return false;
  } else {
    if (cout == V * L::W) {
      conv_relu_pool_filter_grad_v<L, V>(g, p, x, dy, y, winners, dw, db);
      return true;
    }
    return conv_relu_pool_filter_grad<L, V + 1>(g, p, cout, x, dy, y, winners, dw, db);
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
