// Convolutions (NHWC): im2col / col2im around the GEMM, and direct kernels for short patches.
#pragma once

#include <cstdint>

namespace elegy {

struct ConvGeometry {
  int64_t batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW;
};

/** cols[(b, oh, ow)][(fh, fw, ci)] = x's patch values (0 in the padding). */
void im2col(const ConvGeometry& g, const float* x, float* cols);
/** dx = 0, then each patch value of cols added back where it came from. */
void col2im(const ConvGeometry& g, const float* cols, float* dx);
/** out = act(conv2d(x, filter) + bias) computed directly (bias may be null). */
void conv_bias_act_direct(const ConvGeometry& g, int64_t cout, const float* x, const float* filter, const float* bias, float* out, bool relu);
/** dw = Σ x-patch ⊗ g and dbias = Σ g (dbias may be null), with g = relu ? (y > 0 ? dy : 0) : dy. */
void conv_filter_grad_direct(const ConvGeometry& g, int64_t cout, const float* x, const float* dy, const float* y, float* dw, float* dbias, bool relu);

}  // namespace elegy
