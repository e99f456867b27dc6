// Convolutions (NHWC) as GEMMs over blocks of output pixels: a block's patch rows
// cols[(b, oh, ow)][(fh, fw, ci)] (im2col) are built in a per-thread buffer that stays in L2 and
// go straight into the GEMM micro-kernels with the filter packed once per call; the input
// gradient's block of dy · filterᵀ is added back onto dx (col2im) while it is in cache. And
// direct kernels for short patches (kh·kw·in small, e.g. a first layer on 1-channel images),
// where im2col + GEMM spends its time on tiny copies: each output pixel's out-channel vector is
// accumulated tap by tap, with the bias and ReLU applied before it is stored. The filter
// gradient folds the ReLU mask and the bias sum into the same pass over dy, so the masked
// gradient is never written. The vector ISA's kernels (simd-kernels.h) cover out-channel counts
// that fill whole registers; the portable loops here cover the rest.
#include "conv.h"

#include <cstring>
#include <vector>

#include "elementwise.h"
#include "gemm.h"
#include "isa.h"
#include "threads.h"

namespace elegy {
namespace {

// Runs body(images, first) over the batch's images, in chunks of images shared by two threads when
// the batch is large (`values`: what the whole call writes). Each image is computed as on one thread.
template <class Body>
void by_images(const ConvGeometry& g, int64_t values, Body&& body) {
  in_split(g.batch, 1, values >= (1 << 18), [&](int64_t first, int64_t end) {
    ConvGeometry sub = g;
    sub.batch = end - first;
    body(sub, first);
  });
}

// Rows of patch values for `count` output pixels from `first` (flat over batch, outH, outW):
// columns [q0, q1) of each row (0 in the padding) into out[count][q1 - q0]. A filter row's taps
// that lie inside the image are one run of x (no dilation along the width): one copy.
void im2col_block(const ConvGeometry& g, const float* x, int64_t first, int64_t count, int64_t q0, int64_t q1, float* out) {
  const int64_t rowWidth = g.kw * g.c, width = q1 - q0;
  PixelCursor px(g, first);
  for (int64_t i = 0; i < count; i++, out += width) {
    const int64_t ih0 = px.ih0(g), iw0 = px.iw0(g);
    const bool inside = iw0 >= 0 && iw0 + (g.kw - 1) * g.dilW < g.w;
    for (int64_t fh = 0; fh < g.kh; fh++) {
      const int64_t lo = q0 > fh * rowWidth ? q0 : fh * rowWidth;
      const int64_t hi = q1 < (fh + 1) * rowWidth ? q1 : (fh + 1) * rowWidth;
      if (lo >= hi) continue;
      const int64_t ih = ih0 + fh * g.dilH;
      float* dst = out + (lo - q0);
      if (ih < 0 || ih >= g.h) {
        std::memset(dst, 0, sizeof(float) * (hi - lo));
        continue;
      }
      const float* xrow = x + (px.b * g.h + ih) * g.w * g.c;
      if (inside && g.dilW == 1) {
        std::memcpy(dst, xrow + iw0 * g.c + (lo - fh * rowWidth), sizeof(float) * (hi - lo));
        continue;
      }
      for (int64_t q = lo; q < hi;) {
        const int64_t fw = (q - fh * rowWidth) / g.c, ci = (q - fh * rowWidth) % g.c;
        const int64_t n = (g.c - ci) < (hi - q) ? (g.c - ci) : (hi - q);
        const int64_t iw = iw0 + fw * g.dilW;
        if (iw < 0 || iw >= g.w) std::memset(out + (q - q0), 0, sizeof(float) * n);
        else std::memcpy(out + (q - q0), xrow + iw * g.c + ci, sizeof(float) * n);
        q += n;
      }
    }
    px.next(g);
  }
}

// Output pixels per block: a block's patch rows (about BLOCK_FLOATS floats) stay in L2 between
// being written and being read by the GEMM.
constexpr int64_t BLOCK_FLOATS = 1 << 16;
int64_t block_pixels(int64_t rowLen) {
  const int64_t fit = BLOCK_FLOATS / (rowLen > 0 ? rowLen : 1) / 16 * 16;
  return fit < 16 ? 16 : fit > 256 ? 256 : fit;
}

// A growing scratch buffer per thread (never shrunk, never zeroed: every use writes what it reads).
float* scratch(std::vector<float>& buffer, int64_t floats) {
  if (buffer.size() < static_cast<size_t>(floats)) buffer.resize(static_cast<size_t>(floats));
  return buffer.data();
}

// One conv pixel (image n, row oh, column ow) into acc[cout], the direct convolution's portable loop.
void conv_pixel_portable(const ConvGeometry& g, int64_t cout, const float* x, const float* filter, const float* bias, int64_t n, int64_t oh, int64_t ow,
                         float* __restrict acc) {
  for (int64_t co = 0; co < cout; co++) acc[co] = bias ? bias[co] : 0.0f;
  for (int64_t fh = 0; fh < g.kh; fh++) {
    const int64_t ih = oh * g.strideH - g.padTop + fh * g.dilH;
    if (ih < 0 || ih >= g.h) continue;
    for (int64_t fw = 0; fw < g.kw; fw++) {
      const int64_t iw = ow * g.strideW - g.padLeft + fw * g.dilW;
      if (iw < 0 || iw >= g.w) continue;
      const float* xs = x + ((n * g.h + ih) * g.w + iw) * g.c;
      const float* __restrict wt = filter + (fh * g.kw + fw) * g.c * cout;
      for (int64_t ci = 0; ci < g.c; ci++) {
        const float xv = xs[ci];
        const float* __restrict row = wt + ci * cout;
        for (int64_t co = 0; co < cout; co++) acc[co] += xv * row[co];
      }
    }
  }
}

void conv_bias_act_direct_portable(const ConvGeometry& g, int64_t cout, const float* x, const float* filter, const float* bias, float* out,
                                   bool relu) {
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW; ow++) {
        float* __restrict acc = out + ((n * g.outH + oh) * g.outW + ow) * cout;
        conv_pixel_portable(g, cout, x, filter, bias, n, oh, ow, acc);
        if (relu) for (int64_t co = 0; co < cout; co++) acc[co] = acc[co] < 0 ? 0.0f : acc[co];
      }
    }
  }
}

void conv_filter_grad_direct_portable(const ConvGeometry& g, int64_t cout, const float* x, const float* dy, const float* y, float* dw,
                                      double* dbias, bool relu) {
  std::vector<float> buffer(static_cast<size_t>(cout));
  float* __restrict gv = buffer.data();
  std::memset(dw, 0, sizeof(float) * g.kh * g.kw * g.c * cout);
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW; ow++) {
        const int64_t pixel = ((n * g.outH + oh) * g.outW + ow) * cout;
        if (relu) {
          for (int64_t co = 0; co < cout; co++) gv[co] = relu_mask(dy[pixel + co], y[pixel + co]);
        } else {
          for (int64_t co = 0; co < cout; co++) gv[co] = dy[pixel + co];
        }
        if (dbias) for (int64_t co = 0; co < cout; co++) dbias[co] += gv[co];
        for (int64_t fh = 0; fh < g.kh; fh++) {
          const int64_t ih = oh * g.strideH - g.padTop + fh * g.dilH;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t fw = 0; fw < g.kw; fw++) {
            const int64_t iw = ow * g.strideW - g.padLeft + fw * g.dilW;
            if (iw < 0 || iw >= g.w) continue;
            const float* xs = x + ((n * g.h + ih) * g.w + iw) * g.c;
            float* wt = dw + (fh * g.kw + fw) * g.c * cout;
            for (int64_t ci = 0; ci < g.c; ci++) {
              const float xv = xs[ci];
              float* __restrict row = wt + ci * cout;
              for (int64_t co = 0; co < cout; co++) row[co] += xv * gv[co];
            }
          }
        }
      }
    }
  }
}

void conv_relu_pool_direct_portable(const ConvGeometry& g, const PoolWindows& p, int64_t cout, const float* x, const float* filter, const float* bias,
                                    float* out, uint8_t* winners) {
  std::vector<float> buffer(static_cast<size_t>(cout));
  float* acc = buffer.data();
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t pr = 0; pr < p.outH; pr++) {
      for (int64_t pc = 0; pc < p.outW; pc++) {
        const int64_t o = ((n * p.outH + pr) * p.outW + pc) * cout;
        float* best = out + o;
        uint8_t* at = winners + o;
        for (int64_t i = 0, k = 0; i < p.fh; i++) {
          for (int64_t j = 0; j < p.fw; j++, k++) {
            conv_pixel_portable(g, cout, x, filter, bias, n, pr * p.sh + i, pc * p.sw + j, acc);
            for (int64_t co = 0; co < cout; co++) {
              if (k == 0 || acc[co] > best[co]) {
                best[co] = acc[co];
                at[co] = static_cast<uint8_t>(k);
              }
            }
          }
        }
        for (int64_t co = 0; co < cout; co++) best[co] = best[co] < 0 ? 0.0f : best[co];
      }
    }
  }
}

// Each pooled gradient (masked) times its winner's patch, channel by channel.
void conv_relu_pool_filter_grad_portable(const ConvGeometry& g, const PoolWindows& p, int64_t cout, const float* x, const float* dy, const float* y,
                                         const uint8_t* winners, float* dw, double* dbias) {
  std::memset(dw, 0, sizeof(float) * g.kh * g.kw * g.c * cout);
  const int64_t pooled = g.batch * p.outH * p.outW;
  for (int64_t q = 0; q < pooled; q++) {
    const int64_t pc = q % p.outW, pr = (q / p.outW) % p.outH, n = q / (p.outW * p.outH);
    for (int64_t co = 0; co < cout; co++) {
      const float gv = relu_mask(dy[q * cout + co], y[q * cout + co]);
      if (dbias) dbias[co] += gv;
      if (gv == 0.0f) continue;
      const int64_t k = winners[q * cout + co];
      const int64_t oh = pr * p.sh + k / p.fw, ow = pc * p.sw + k % p.fw;
      for (int64_t fh = 0; fh < g.kh; fh++) {
        const int64_t ih = oh * g.strideH - g.padTop + fh * g.dilH;
        if (ih < 0 || ih >= g.h) continue;
        for (int64_t fw = 0; fw < g.kw; fw++) {
          const int64_t iw = ow * g.strideW - g.padLeft + fw * g.dilW;
          if (iw < 0 || iw >= g.w) continue;
          const float* xs = x + ((n * g.h + ih) * g.w + iw) * g.c;
          float* row = dw + (fh * g.kw + fw) * g.c * cout + co;
          for (int64_t ci = 0; ci < g.c; ci++) row[ci * cout] += xs[ci] * gv;
        }
      }
    }
  }
}

}  // namespace

void col2im_block_portable(const ConvGeometry& g, const float* cols, int64_t first, int64_t count, float* dx) {
  const int64_t rowLen = g.kh * g.kw * g.c;
  PixelCursor px(g, first);
  for (int64_t i = 0; i < count; i++, cols += rowLen) {
    for (int64_t fh = 0; fh < g.kh; fh++) {
      const int64_t ih = px.ih0(g) + fh * g.dilH;
      if (ih < 0 || ih >= g.h) continue;
      for (int64_t fw = 0; fw < g.kw; fw++) {
        const int64_t iw = px.iw0(g) + fw * g.dilW;
        if (iw < 0 || iw >= g.w) continue;
        const float* __restrict src = cols + (fh * g.kw + fw) * g.c;
        float* __restrict dst = dx + ((px.b * g.h + ih) * g.w + iw) * g.c;
        for (int64_t ci = 0; ci < g.c; ci++) dst[ci] += src[ci];
      }
    }
    px.next(g);
  }
}

void conv_bias_act_gemm(const ConvGeometry& g, int64_t cout, const float* x, const float* filter, const float* bias, float* out, bool relu) {
  const Isa& simd = isa();
  const int64_t rowLen = g.kh * g.kw * g.c, pixels = g.batch * g.outH * g.outW;
  if (pixels == 0 || cout == 0) return;
  if (rowLen == 0) {
    std::memset(out, 0, sizeof(float) * pixels * cout);
    bias_relu(out, bias, out, pixels, cout, relu);
    return;
  }
  static thread_local std::vector<float> packing;
  float* packed = scratch(packing, gemm_packed_all_size(rowLen, cout, simd.gemm_nr));
  simd.gemm_pack(Matrix{filter, rowLen, cout, false}, packed);
  const int64_t block = block_pixels(rowLen);
  in_split(pixels, block, pixels * rowLen * cout >= GEMM_PARALLEL_MIN_MACS, [&](int64_t begin, int64_t end) {
    static thread_local std::vector<float> patches;
    float* cols = scratch(patches, block * rowLen);
    for (int64_t p0 = begin; p0 < end; p0 += block) {
      const int64_t count = end - p0 < block ? end - p0 : block;
      im2col_block(g, x, p0, count, 0, rowLen, cols);
      float* rows = out + p0 * cout;
      simd.gemm_packed(Matrix{cols, count, rowLen, false}, packed, cout, rows, false);
      if (bias || relu) bias_relu(rows, bias, rows, count, cout, relu);
    }
  });
}

void conv_input_grad_gemm(const ConvGeometry& g, int64_t cout, const float* dy, const float* filter, float* dx) {
  const Isa& simd = isa();
  const int64_t rowLen = g.kh * g.kw * g.c, perImage = g.outH * g.outW;
  std::memset(dx, 0, sizeof(float) * g.batch * g.h * g.w * g.c);
  if (perImage == 0 || rowLen == 0 || cout == 0) return;
  // dcols = dy · filterᵀ: the filter [rowLen][cout] read as its transpose [cout][rowLen].
  static thread_local std::vector<float> packing;
  float* packed = scratch(packing, gemm_packed_all_size(cout, rowLen, simd.gemm_nr));
  simd.gemm_pack(Matrix{filter, cout, rowLen, true}, packed);
  const int64_t block = block_pixels(rowLen);
  // By images: each thread adds into its own images of dx only.
  in_split(g.batch, 1, g.batch * perImage * rowLen * cout >= GEMM_PARALLEL_MIN_MACS, [&](int64_t first, int64_t end) {
    static thread_local std::vector<float> patches;
    float* cols = scratch(patches, block * rowLen);
    for (int64_t p0 = first * perImage; p0 < end * perImage; p0 += block) {
      const int64_t count = end * perImage - p0 < block ? end * perImage - p0 : block;
      simd.gemm_packed(Matrix{dy + p0 * cout, count, cout, false}, packed, rowLen, cols, false);
      simd.col2im_block(g, cols, p0, count, dx);
    }
  });
}

void conv_filter_grad_gemm(const ConvGeometry& g, int64_t cout, const float* x, const float* dy, float* dw) {
  const Isa& simd = isa();
  const int64_t rowLen = g.kh * g.kw * g.c, pixels = g.batch * g.outH * g.outW;
  if (rowLen == 0 || cout == 0) return;
  if (pixels == 0) {
    std::memset(dw, 0, sizeof(float) * rowLen * cout);
    return;
  }
  // dw [rowLen][cout] = colsᵀ · dy, GEMM_KC pixels at a time (the GEMM's own blocks of k: each value
  // sums its pixels in the same order as one product over the whole batch would). The vector ISAs
  // read x and dy in place where the in-channels fill whole tiles; otherwise a block's patches and dy
  // rows are copied (im2col, packing) for the GEMM. The two threads share chunks of dw's rows (a first
  // layer's few rows one by one); each chunk sums every pixel for its rows, so reads all of x and dy: few chunks.
  const int64_t block = GEMM_KC;
  const int64_t chunks = g_split_chunks < 4 ? g_split_chunks : 4;
  in_split(rowLen, rowLen >= 64 ? 16 : 1, pixels * rowLen * cout >= GEMM_PARALLEL_MIN_MACS, [&](int64_t q0, int64_t q1) {
    static thread_local std::vector<float> patches, packing;
    for (int64_t p0 = 0; p0 < pixels; p0 += block) {
      const int64_t count = pixels - p0 < block ? pixels - p0 : block;
      if (simd.conv_filter_grad_block(g, cout, x, dy, p0, count, q0, q1, dw, p0 > 0)) continue;
      float* cols = scratch(patches, block * (q1 - q0));
      float* packed = scratch(packing, gemm_packed_all_size(block, cout, simd.gemm_nr));
      simd.gemm_pack(Matrix{dy + p0 * cout, count, cout, false}, packed);
      im2col_block(g, x, p0, count, q0, q1, cols);
      simd.gemm_packed(Matrix{cols, q1 - q0, count, true}, packed, cout, dw + q0 * cout, p0 > 0);
    }
  }, chunks);
}

void conv_bias_act_direct(const ConvGeometry& g, int64_t cout, const float* x, const float* filter, const float* bias, float* out, bool relu) {
  const Isa& simd = isa();
  by_images(g, g.batch * g.outH * g.outW * cout, [&](const ConvGeometry& sub, int64_t first) {
    const float* xs = x + first * g.h * g.w * g.c;
    float* outs = out + first * g.outH * g.outW * cout;
    if (!simd.conv_bias_act_direct(sub, cout, xs, filter, bias, outs, relu)) conv_bias_act_direct_portable(sub, cout, xs, filter, bias, outs, relu);
  });
}

void conv_filter_grad_direct(const ConvGeometry& g, int64_t cout, const float* x, const float* dy, const float* y, float* dw, float* dbias, bool relu) {
  std::vector<double> acc(dbias ? static_cast<size_t>(cout) : 0, 0.0);
  double* db = dbias ? acc.data() : nullptr;
  if (!isa().conv_filter_grad_direct(g, cout, x, dy, y, dw, db, relu)) conv_filter_grad_direct_portable(g, cout, x, dy, y, dw, db, relu);
  if (dbias) for (int64_t co = 0; co < cout; co++) dbias[co] = static_cast<float>(acc[co]);
}


void conv_bias_relu_pool_direct(const ConvGeometry& g, const PoolWindows& p, int64_t cout, const float* x, const float* filter, const float* bias, float* out,
                                uint8_t* winners) {
  const Isa& simd = isa();
  by_images(g, g.batch * g.outH * g.outW * cout, [&](const ConvGeometry& sub, int64_t first) {
    const float* xs = x + first * g.h * g.w * g.c;
    const int64_t o = first * p.outH * p.outW * cout;
    if (!simd.conv_relu_pool_direct(sub, p, cout, xs, filter, bias, out + o, winners + o)) {
      conv_relu_pool_direct_portable(sub, p, cout, xs, filter, bias, out + o, winners + o);
    }
  });
}

void conv_bias_relu_pool_filter_grad(const ConvGeometry& g, const PoolWindows& p, int64_t cout, const float* x, const float* dy, const float* y,
                                     const uint8_t* winners, float* dw, float* dbias) {
  const int64_t weights = g.kh * g.kw * g.c * cout;
  // Images [first, end) into dwPart and dbPart (dbPart summed in double, as conv_filter_grad_direct).
  auto images = [&](int64_t first, int64_t end, float* dwPart, double* dbPart) {
    ConvGeometry sub = g;
    sub.batch = end - first;
    const float* xs = x + first * g.h * g.w * g.c;
    const int64_t o = first * p.outH * p.outW * cout;
    if (!isa().conv_relu_pool_filter_grad(sub, p, cout, xs, dy + o, y + o, winners + o, dwPart, dbPart)) {
      conv_relu_pool_filter_grad_portable(sub, p, cout, xs, dy + o, y + o, winners + o, dwPart, dbPart);
    }
  };
  std::vector<double> sums(static_cast<size_t>(2 * cout), 0.0);
  double* db0 = dbias ? sums.data() : nullptr;
  double* db1 = dbias ? sums.data() + cout : nullptr;
  // Cut by the size of the work only (never by the thread count): one thread computes the same two
  // halves and adds them the same way.
  const int64_t half = g.batch * g.outH * g.outW * cout >= (1 << 18) ? cut(g.batch, 1) : 0;
  if (half == 0) {
    images(0, g.batch, dw, db0);
  } else {
    static thread_local std::vector<float> second;
    float* dw1 = scratch(second, weights);
    in_two([&](int part) { part == 0 ? images(0, half, dw, db0) : images(half, g.batch, dw1, db1); });
    for (int64_t i = 0; i < weights; i++) dw[i] += dw1[i];
    if (dbias) for (int64_t co = 0; co < cout; co++) db0[co] += db1[co];
  }
  if (dbias) for (int64_t co = 0; co < cout; co++) dbias[co] = static_cast<float>(db0[co]);
}

void relu_pool_unpool(const ConvGeometry& g, const PoolWindows& p, int64_t cout, const float* dy, const float* y, const uint8_t* winners, float* grad) {
  std::memset(grad, 0, sizeof(float) * g.batch * g.outH * g.outW * cout);
  const int64_t pooled = g.batch * p.outH * p.outW;
  for (int64_t q = 0; q < pooled; q++) {
    const int64_t pc = q % p.outW, pr = (q / p.outW) % p.outH, n = q / (p.outW * p.outH);
    for (int64_t co = 0; co < cout; co++) {
      const int64_t k = winners[q * cout + co];
      const int64_t oh = pr * p.sh + k / p.fw, ow = pc * p.sw + k % p.fw;
      grad[((n * g.outH + oh) * g.outW + ow) * cout + co] = relu_mask(dy[q * cout + co], y[q * cout + co]);
    }
  }
}

}  // namespace elegy
