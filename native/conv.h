// Convolutions (NHWC): GEMMs over blocks of output pixels, and direct kernels for short patches.
#pragma once

#include <cstdint>

namespace elegy {

struct ConvGeometry {
  int64_t batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW;
};

/** An output pixel (image, row, column) walked in flat order from `first` (over batch, outH, outW). */
struct PixelCursor {
  int64_t b, oh, ow;
  PixelCursor(const ConvGeometry& g, int64_t first) : b(first / (g.outW * g.outH)), oh((first / g.outW) % g.outH), ow(first % g.outW) {}
  /** The input row and column of the window's top-left tap (outside the image in the padding). */
  int64_t ih0(const ConvGeometry& g) const { return oh * g.strideH - g.padTop; }
  int64_t iw0(const ConvGeometry& g) const { return ow * g.strideW - g.padLeft; }
  void next(const ConvGeometry& g) {
    if (++ow < g.outW) return;
    ow = 0;
    if (++oh == g.outH) oh = 0, b++;
  }
};

// The convolutions as GEMMs, a block of output pixels at a time: a block's patch rows (im2col) are
// written to a buffer that stays in L2 and fed straight to the GEMM with the filter packed once,
// so the whole batch's patch matrix is never written. Results are those of im2col / col2im around
// one GEMM over the whole batch, bit for bit, on one thread or two.

/** out = act(conv2d(x, filter) + bias), bias and ReLU applied to each block while it is hot (bias may be null). */
void conv_bias_act_gemm(const ConvGeometry& g, int64_t cout, const float* x, const float* filter, const float* bias, float* out, bool relu);
/** dx of conv2d: each block's dy · filterᵀ added back onto dx (the two threads share chunks of the images). */
void conv_input_grad_gemm(const ConvGeometry& g, int64_t cout, const float* dy, const float* filter, float* dx);
/** dw = Σ over pixels of patch ⊗ dy (the two threads share chunks of dw's rows). */
void conv_filter_grad_gemm(const ConvGeometry& g, int64_t cout, const float* x, const float* dy, float* dw);
/**
 * Adds each patch value of cols[count][kh·kw·c] (the output pixels from `first`, flat over batch,
 * outH, outW) back where it came from in dx, pixel after pixel and tap after tap (portable loops).
 */
void col2im_block_portable(const ConvGeometry& g, const float* cols, int64_t first, int64_t count, float* dx);
/** out = act(conv2d(x, filter) + bias) computed directly (bias may be null). */
void conv_bias_act_direct(const ConvGeometry& g, int64_t cout, const float* x, const float* filter, const float* bias, float* out, bool relu);
/** dw = Σ x-patch ⊗ g and dbias = Σ g (dbias may be null), with g = relu ? (y > 0 ? dy : 0) : dy. */
void conv_filter_grad_direct(const ConvGeometry& g, int64_t cout, const float* x, const float* dy, const float* y, float* dw, float* dbias, bool relu);

// A short-patch convolution + bias + ReLU followed by max pooling whose windows do not overlap
// (stride ≥ window, "valid": the conv's rows and columns past the last whole window are dropped),
// in one pass: the conv's output is never written, only the pooled values and, per pooled value,
// which position of its window won (a byte, rows then columns: the first maximum, as
// max_pool_argmax). The gradient needs no more: the ReLU's mask of the winner is pooled > 0.

/** The pooling windows over the conv's output [outH, outW]: fh×fw every sh ≥ fh rows, sw ≥ fw columns. */
struct PoolWindows {
  int64_t outH, outW, fh, fw, sh, sw;
};

/** out [batch][p.outH][p.outW][cout] = maxpool(relu(conv2d(x, filter) + bias)) and its winners (bias may be null). */
void conv_bias_relu_pool_direct(const ConvGeometry& g, const PoolWindows& p, int64_t cout, const float* x, const float* filter, const float* bias, float* out,
                                uint8_t* winners);
/**
 * dw and dbias (may be null) of that block from the pooled gradient dy: each pooled gradient, masked by
 * y > 0, goes to its winner's patch only. Halves of the batch are summed apart and then added, on one
 * thread or two alike (the same bits).
 */
void conv_bias_relu_pool_filter_grad(const ConvGeometry& g, const PoolWindows& p, int64_t cout, const float* x, const float* dy, const float* y,
                                     const uint8_t* winners, float* dw, float* dbias);
/** The gradient at the conv's output [batch][g.outH][g.outW][cout]: dy (masked by y > 0) at each winner, 0 elsewhere. */
void relu_pool_unpool(const ConvGeometry& g, const PoolWindows& p, int64_t cout, const float* dy, const float* y, const uint8_t* winners, float* grad);

}  // namespace elegy
