// Max pooling (NHWC): the gradient by a second scan, and the argmax form whose gradient is a scatter.
#pragma once

#include <cstdint>

namespace elegy {

struct PoolGeometry {
  int64_t batch, h, w, c, outH, outW, fh, fw, sh, sw, padTop, padLeft;
};

void max_pool_grad(const PoolGeometry& g, const float* x, const float* dy, float* dx);
/** y = each window's max, argmax = flat index into x of its first maximum (-1 for a window all padding). */
void max_pool_argmax(const PoolGeometry& g, const float* x, float* y, int32_t* argmax);
/** dx = 0, then dx[argmax[i]] += dy[i]. */
void max_pool_scatter(const float* dy, const int32_t* argmax, float* dx, int64_t outSize, int64_t inSize);

/** One window tap over c channels: where xs > yo, yo = xs and io = at + channel. */
void argmax_tap_portable(const float* xs, float* yo, int32_t* io, int32_t at, int64_t c);

}  // namespace elegy
