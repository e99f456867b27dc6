// Adam: the optimizer's math in float32, op by op as tf.train.adam's composed kernels do it.
#pragma once

#include <cmath>
#include <cstdint>

namespace elegy {

struct AdamScalars {
  float lr, c1, c2, keep1, take1, keep2, take2, eps, decay;
};

/** The per-step scalars from the optimizer's settings and its 1-based step t. */
AdamScalars adam_scalars(double lr, double t, double beta1, double beta2, double epsilon, double weightDecay);

/** One Adam update of n values: tensors = {p, g, m, v, outP, outM, outV}. */
void adam(float* const* tensors, int64_t n, const AdamScalars& s);

// In the header so that the vector kernels' tails inline it (and round as they did when all of
// this was one file: the compiler may fuse its multiply-adds where FMA is enabled).
inline __attribute__((always_inline)) void adam_portable(int64_t n, const float* p, const float* g, const float* m, const float* v, float* op,
                                                         float* om, float* ov, const AdamScalars& s) {
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = s.keep1 * m[i] + s.take1 * gi;
    const float vi = s.keep2 * v[i] + s.take2 * (gi * gi);
    om[i] = mi;
    ov[i] = vi;
    const float pi = s.decay == 0 ? p[i] : p[i] - p[i] * s.decay;
    op[i] = pi - s.lr * ((mi / s.c1) / (std::sqrt(vi / s.c2) + s.eps));
  }
}

}  // namespace elegy
