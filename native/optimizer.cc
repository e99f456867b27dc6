// Adam: the optimizer's math in float32, op by op as tf.train.adam's composed kernels do it
// (m̂ = m/c1, v̂ = v/c2, p − lr·m̂/(√v̂ + ε)); where FMA is enabled the compiler may fuse a
// multiply-add, within float tolerance of the composed ops.
#include "optimizer.h"

#include <cmath>

#include "isa.h"
#include "threads.h"

namespace elegy {

AdamScalars adam_scalars(double lr, double t, double beta1, double beta2, double epsilon, double weightDecay) {
  const float keep1 = static_cast<float>(beta1), keep2 = static_cast<float>(beta2);
  return AdamScalars{static_cast<float>(lr),
                     static_cast<float>(1 - std::pow(static_cast<double>(keep1), t)),
                     static_cast<float>(1 - std::pow(static_cast<double>(keep2), t)),
                     keep1, static_cast<float>(1 - beta1), keep2, static_cast<float>(1 - beta2),
                     static_cast<float>(epsilon), static_cast<float>(lr * weightDecay)};
}

void adam(float* const* q, int64_t n, const AdamScalars& s) {
  const Isa& simd = isa();
  // Memory-bound: worth a second thread only for large tensors.
  in_split(n, 64, n >= (1 << 15), [&](int64_t from, int64_t to) {
    simd.adam(to - from, q[0] + from, q[1] + from, q[2] + from, q[3] + from, q[4] + from, q[5] + from, q[6] + from, s);
  });
}

}  // namespace elegy
