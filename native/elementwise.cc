// One-pass kernels around the products (elementwise.h).
#include "elementwise.h"

#include <vector>

#include "isa.h"

namespace elegy {

void add_bias(const float* x, const float* bias, float* out, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    float* dst = out + r * cols;
    for (int64_t c = 0; c < cols; c++) dst[c] = row[c] + bias[c];
  }
}

void bias_relu(const float* x, const float* bias, float* out, int64_t rows, int64_t cols, bool relu) {
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    float* dst = out + r * cols;
    for (int64_t c = 0; c < cols; c++) {
      const float v = bias ? row[c] + bias[c] : row[c];
      // `v < 0 ? 0 : v` keeps NaN, as tf.relu does.
      dst[c] = relu && v < 0 ? 0.0f : v;
    }
  }
}

void relu_bias_grad(const float* dy, const float* y, float* g, float* dbias, int64_t rows, int64_t cols) {
  static thread_local std::vector<double> accumulators;
  double* acc = nullptr;
  if (dbias) {
    accumulators.assign(static_cast<size_t>(cols), 0.0);
    acc = accumulators.data();
  }
  isa().relu_bias_grad(dy, y, g, acc, rows, cols);
  if (dbias) for (int64_t c = 0; c < cols; c++) dbias[c] = static_cast<float>(acc[c]);
}

void relu_bias_grad_portable(const float* __restrict dy, const float* __restrict y, float* __restrict g, double* acc, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; r++) {
    const float* dyr = dy + r * cols;
    const float* yr = y + r * cols;
    float* gr = g + r * cols;
    for (int64_t c = 0; c < cols; c++) gr[c] = relu_mask(dyr[c], yr[c]);
    if (acc) for (int64_t c = 0; c < cols; c++) acc[c] += gr[c];
  }
}

void sum_rows(const float* x, float* out, int64_t rows, int64_t cols) {
  static thread_local std::vector<double> acc;
  acc.assign(static_cast<size_t>(cols), 0.0);
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    for (int64_t c = 0; c < cols; c++) acc[c] += row[c];
  }
  for (int64_t c = 0; c < cols; c++) out[c] = static_cast<float>(acc[c]);
}

bool all_finite(const float* values, size_t length) {
  const uint32_t* bits = reinterpret_cast<const uint32_t*>(values);
  uint32_t bad = 0;
  // Exponent all ones = NaN or ±Infinity; no early exit, so the loop vectorises.
  for (size_t i = 0; i < length; i++) bad |= static_cast<uint32_t>((bits[i] & 0x7f800000u) == 0x7f800000u);
  return bad == 0;
}

}  // namespace elegy
