// Max pooling (NHWC). Each window routes its gradient to its first maximum in scan order (rows,
// then columns), tfjs's rule; padding never wins. The argmax form records that maximum's flat
// index into x (TF's MaxPoolWithArgmax), so the gradient is a scatter instead of a second scan.
#include "pooling.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "isa.h"
#include "threads.h"

namespace elegy {
namespace {

// Images [first, end) of the batch (indices stay flat indices into the whole x).
void max_pool_argmax_images(const PoolGeometry& g, const float* x, float* y, int32_t* argmax, int64_t first, int64_t end) {
  const Isa& simd = isa();
  for (int64_t n = first; n < end; n++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW; ow++) {
        const int64_t o = ((n * g.outH + oh) * g.outW + ow) * g.c;
        float* __restrict yo = y + o;
        int32_t* __restrict io = argmax + o;
        bool none = true;
        for (int64_t fh = 0; fh < g.fh; fh++) {
          const int64_t ih = oh * g.sh - g.padTop + fh;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t fw = 0; fw < g.fw; fw++) {
            const int64_t iw = ow * g.sw - g.padLeft + fw;
            if (iw < 0 || iw >= g.w) continue;
            const int64_t base = ((n * g.h + ih) * g.w + iw) * g.c;
            const float* __restrict xs = x + base;
            if (none) {
              for (int64_t ci = 0; ci < g.c; ci++) {
                yo[ci] = xs[ci];
                io[ci] = static_cast<int32_t>(base + ci);
              }
              none = false;
              continue;
            }
            simd.argmax_tap(xs, yo, io, static_cast<int32_t>(base), g.c);
          }
        }
        if (none) {
          // A window entirely in the padding (not produced by "valid"/"same"): no input.
          for (int64_t ci = 0; ci < g.c; ci++) {
            yo[ci] = 0.0f;
            io[ci] = -1;
          }
        }
      }
    }
  }
}

}  // namespace

void max_pool_grad(const PoolGeometry& g, const float* x, const float* dy, float* dx) {
  std::memset(dx, 0, sizeof(float) * g.batch * g.h * g.w * g.c);
  std::vector<float> best(static_cast<size_t>(g.c));
  std::vector<int64_t> at(static_cast<size_t>(g.c));
  for (int64_t n = 0; n < g.batch; n++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW; ow++) {
        std::fill(at.begin(), at.end(), -1);
        for (int64_t fh = 0; fh < g.fh; fh++) {
          const int64_t ih = oh * g.sh - g.padTop + fh;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t fw = 0; fw < g.fw; fw++) {
            const int64_t iw = ow * g.sw - g.padLeft + fw;
            if (iw < 0 || iw >= g.w) continue;
            const int64_t base = ((n * g.h + ih) * g.w + iw) * g.c;
            for (int64_t ci = 0; ci < g.c; ci++) {
              const float v = x[base + ci];
              if (v > best[ci] || at[ci] < 0) {
                best[ci] = v;
                at[ci] = base + ci;
              }
            }
          }
        }
        const float* grad = dy + ((n * g.outH + oh) * g.outW + ow) * g.c;
        for (int64_t ci = 0; ci < g.c; ci++) if (at[ci] >= 0) dx[at[ci]] += grad[ci];
      }
    }
  }
}

void max_pool_argmax(const PoolGeometry& g, const float* x, float* y, int32_t* argmax) {
  in_split(g.batch, 1, g.batch * g.h * g.w * g.c >= (1 << 18), [&](int64_t first, int64_t end) { max_pool_argmax_images(g, x, y, argmax, first, end); });
}

void max_pool_scatter(const float* dy, const int32_t* argmax, float* dx, int64_t outSize, int64_t inSize) {
  std::memset(dx, 0, sizeof(float) * inSize);
  for (int64_t i = 0; i < outSize; i++) {
    const int32_t at = argmax[i];
    if (at >= 0 && at < inSize) dx[at] += dy[i];
  }
}

// One window tap over the channels: keep the running max and its index where v > max.
void argmax_tap_portable(const float* __restrict xs, float* __restrict yo, int32_t* __restrict io, int32_t at, int64_t c) {
  for (int64_t ci = 0; ci < c; ci++) {
    const float v = xs[ci];
    const bool greater = v > yo[ci];
    yo[ci] = greater ? v : yo[ci];
    io[ci] = greater ? at + static_cast<int32_t>(ci) : io[ci];
  }
}

}  // namespace elegy
