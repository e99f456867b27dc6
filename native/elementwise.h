// One-pass kernels around the products: bias add and ReLU, the ReLU mask fused with the bias
// gradient, sums over leading axes, and the finite check of fit's inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace elegy {

/** out[r][c] = x[r][c] + bias[c] (out may be x). */
void add_bias(const float* x, const float* bias, float* out, int64_t rows, int64_t cols);
/** out = act(x + bias) (bias may be null; out may be x). */
void bias_relu(const float* x, const float* bias, float* out, int64_t rows, int64_t cols, bool relu);
/** g = y > 0 ? dy : 0, dbias[c] = Σ_r g[r][c] (dbias may be null). */
void relu_bias_grad(const float* dy, const float* y, float* g, float* dbias, int64_t rows, int64_t cols);
/** out[c] = Σ_r x[r][c], accumulated in double (as tfjs-cpu). */
void sum_rows(const float* x, float* out, int64_t rows, int64_t cols);
/** No NaN or ±Infinity among the values. */
bool all_finite(const float* values, size_t length);

/** relu_bias_grad's body with acc (double, may be null) for the bias sums. */
void relu_bias_grad_portable(const float* dy, const float* y, float* g, double* acc, int64_t rows, int64_t cols);

// The mask is a bitwise AND (no branch: y > 0 is a coin flip on real activations, and a
// mispredicted branch per element made this 8× slower than the memory traffic).
inline float relu_mask(float dy, float y) {
  uint32_t bits;
  std::memcpy(&bits, &dy, 4);
  bits &= 0u - static_cast<uint32_t>(y > 0);
  float out;
  std::memcpy(&out, &bits, 4);
  return out;
}

}  // namespace elegy
