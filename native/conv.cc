// Convolutions (NHWC): im2col / col2im around the GEMM, cols[(b, oh, ow)][(fh, fw, ci)], and
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
#include "isa.h"
#include "threads.h"

namespace elegy {
namespace {

// Runs body(images, first) over the batch's images, in two halves on two threads when the batch is
// large (`values`: what the whole call writes). Each image is computed as on one thread.
template <class Body>
void by_images(const ConvGeometry& g, int64_t values, Body&& body) {
  in_halves(g.batch, 1, values >= (1 << 18), [&](int64_t first, int64_t end) {
    ConvGeometry sub = g;
    sub.batch = end - first;
    body(sub, first);
  });
}

void im2col_images(const ConvGeometry& g, const float* x, float* cols) {
  const int64_t rowLen = g.kh * g.kw * g.c;
  for (int64_t b = 0; b < g.batch; b++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW; ow++) {
        float* row = cols + ((b * g.outH + oh) * g.outW + ow) * rowLen;
        for (int64_t fh = 0; fh < g.kh; fh++) {
          const int64_t ih = oh * g.strideH - g.padTop + fh * g.dilH;
          for (int64_t fw = 0; fw < g.kw; fw++) {
            const int64_t iw = ow * g.strideW - g.padLeft + fw * g.dilW;
            float* dst = row + (fh * g.kw + fw) * g.c;
            if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) {
              std::memset(dst, 0, sizeof(float) * g.c);
            } else {
              std::memcpy(dst, x + ((b * g.h + ih) * g.w + iw) * g.c, sizeof(float) * g.c);
            }
          }
        }
      }
    }
  }
}

void col2im_images(const ConvGeometry& g, const float* cols, float* dx) {
  std::memset(dx, 0, sizeof(float) * g.batch * g.h * g.w * g.c);
  const int64_t rowLen = g.kh * g.kw * g.c;
  for (int64_t b = 0; b < g.batch; b++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW; ow++) {
        const float* row = cols + ((b * g.outH + oh) * g.outW + ow) * rowLen;
        for (int64_t fh = 0; fh < g.kh; fh++) {
          const int64_t ih = oh * g.strideH - g.padTop + fh * g.dilH;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t fw = 0; fw < g.kw; fw++) {
            const int64_t iw = ow * g.strideW - g.padLeft + fw * g.dilW;
            if (iw < 0 || iw >= g.w) continue;
            const float* src = row + (fh * g.kw + fw) * g.c;
            float* dst = dx + ((b * g.h + ih) * g.w + iw) * g.c;
            for (int64_t ci = 0; ci < g.c; ci++) dst[ci] += src[ci];
          }
        }
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

}  // namespace

void im2col(const ConvGeometry& g, const float* x, float* cols) {
  const int64_t rowLen = g.kh * g.kw * g.c;
  by_images(g, g.batch * g.outH * g.outW * rowLen, [&](const ConvGeometry& sub, int64_t first) {
    im2col_images(sub, x + first * g.h * g.w * g.c, cols + first * g.outH * g.outW * rowLen);
  });
}

void col2im(const ConvGeometry& g, const float* cols, float* dx) {
  const int64_t rowLen = g.kh * g.kw * g.c;
  by_images(g, g.batch * g.outH * g.outW * rowLen, [&](const ConvGeometry& sub, int64_t first) {
    col2im_images(sub, cols + first * g.outH * g.outW * rowLen, dx + first * g.h * g.w * g.c);
  });
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

}  // namespace elegy
