// Optional native kernels for elegy-ts's wasm backend, as a Node addon (N-API): they compute
// directly on the wasm heap (the WebAssembly.Memory buffer, addressed by the byte offsets of
// tfjs's dataIdMap), so nothing is copied in or out. This file only reads the arguments, checks
// that every tensor lies inside the heap, and calls the kernel families:
//   gemm.cc (products), conv.cc, pooling.cc, optimizer.cc (Adam), elementwise.cc; the hot loops
//   run on AVX-512 or AVX2 + FMA when the CPU has them (isa.cc, simd-*.cc), else portable C++;
//   threads.cc is the helper thread that shares the chunks of a large kernel.
//
//   gemm(heap, a, b, c, batch, m, k, n, transA, transB, aBatchStride, bBatchStride)
//       c[batch][m][n] = op(a)[m][k] · op(b)[k][n]    (float32, row-major, strides in floats)
//   adam(heap, p, g, m, v, outP, outM, outV, size, lr, t, beta1, beta2, epsilon, weightDecay)
//   sumRows(heap, x, out, rows, cols)          out[c] = Σ_r x[r][c]
//   maxPoolGrad(heap, x, dy, dx, batch, h, w, c, outH, outW, fh, fw, sh, sw, padTop, padLeft)
//   allFinite(float32Array) → boolean        (host arrays: fit's input check)
//   addBias(heap, x, bias, out, rows, cols)    out[r][c] = x[r][c] + bias[c] (out may be x)
//   biasRelu(heap, x, bias, out, rows, cols, relu)  out = act(x + bias); bias -1 = none (out may be x)
//   reluBiasGrad(heap, dy, y, g, dbias, rows, cols)  g = y > 0 ? dy : 0, dbias[c] = Σ_r g[r][c] (dbias -1 = none)
//   maxPoolArgmax(heap, x, y, argmax, batch, h, w, c, outH, outW, fh, fw, sh, sw, padTop, padLeft)
//       y = each window's max, argmax = flat index into x of its first maximum (int32)
//   maxPoolScatter(heap, dy, argmax, dx, outSize, inSize)  dx = 0, dx[argmax[i]] += dy[i]
//   convBiasActDirect(heap, x, filter, bias, out, ...conv geometry, outChannels, relu)
//       act(conv2d(x, filter) + bias) computed directly (for short patches, e.g. 1-channel images)
//   convFilterGradDirect(heap, x, dy, y, dw, dbias, ...conv geometry, outChannels, relu)
//       dw = Σ x-patch ⊗ g and dbias = Σ g, with g = relu ? (y > 0 ? dy : 0) : dy, g never stored
//   convBiasReluPool(heap, x, filter, bias, out, winners, ...conv geometry, outChannels, ...pool windows)
//       maxpool(relu(conv2d(x, filter) + bias)) for windows that do not overlap, and per pooled value
//       the byte of its window's first maximum (winners: an int32 tensor of bytes); the conv's output never written
//   convBiasReluPoolFilterGrad(heap, x, dy, y, winners, dw, dbias, ...conv geometry, outChannels, ...pool windows)
//       dw, dbias of that block from the pooled gradient: each (masked by y > 0) through its winner's patch
//   reluPoolUnpool(heap, dy, y, winners, grad, ...conv geometry, outChannels, ...pool windows)
//       the gradient at the conv's output: dy (y > 0) at each winner, 0 elsewhere (for the input gradient)
//       (pool windows: pooledH, pooledW, poolH, poolW, poolStrideH, poolStrideW; stride ≥ window)
//   convBiasAct(heap, x, filter, bias, out, ...conv geometry, outChannels, relu)
//       act(conv2d(x, filter) + bias) through the GEMM, a block of output pixels at a time (bias -1 = none)
//   convInputGrad(heap, dy, filter, dx, ...conv geometry, outChannels)   dx of conv2d (overwritten)
//   convFilterGrad(heap, x, dy, dw, ...conv geometry, outChannels)       dw of conv2d
//       (conv geometry: batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW)
//   threads() / setThreads(n) → how many threads large GEMMs and Adam updates use (1 or 2;
//       ELEGY_NATIVE_THREADS sets the start, default 2 where the machine has 2 cores or more)
//   helperJobs() → chunks of kernels the helper thread has computed (for tests)
//   simd, isa: whether a vector ISA runs, and which ("avx512", "avx2" or "portable";
//       ELEGY_NATIVE_SIMD=avx2 or =0 forces the narrower paths)
#define NAPI_VERSION 8
#include <node_api.h>

#include <cstdint>
#include <vector>

#include "conv.h"
#include "elementwise.h"
#include "gemm.h"
#include "isa.h"
#include "optimizer.h"
#include "pooling.h"
#include "threads.h"

namespace elegy {
namespace {

struct Args {
  explicit Args(napi_env e) : env(e) {}
  napi_env env;
  std::vector<napi_value> values;
  uint8_t* heap = nullptr;
  size_t heapBytes = 0;

  bool init(napi_callback_info info, size_t expected) {
    size_t argc = expected;
    values.resize(expected);
    if (napi_get_cb_info(env, info, &argc, values.data(), nullptr, nullptr) != napi_ok || argc != expected) return false;
    void* data = nullptr;
    if (napi_get_arraybuffer_info(env, values[0], &data, &heapBytes) != napi_ok) return false;
    heap = static_cast<uint8_t*>(data);
    return true;
  }
  double num(size_t i) const {
    double out = 0;
    napi_get_value_double(env, values[i], &out);
    return out;
  }
  int64_t integer(size_t i) const { return static_cast<int64_t>(num(i)); }
  bool flag(size_t i) const {
    bool out = false;
    napi_get_value_bool(env, values[i], &out);
    return out;
  }
  // A float32 array of `count` elements at byte offset arg i, or nullptr if out of the heap.
  float* floats(size_t i, int64_t count) const {
    const int64_t offset = integer(i);
    if (offset < 0 || count < 0 || offset % 4 != 0 || static_cast<uint64_t>(offset + count * 4) > heapBytes) return nullptr;
    return reinterpret_cast<float*>(heap + offset);
  }
};

napi_value fail(napi_env env, const char* message) {
  napi_throw_error(env, nullptr, message);
  return nullptr;
}

napi_value Gemm(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 12)) return fail(env, "gemm(heap, a, b, c, batch, m, k, n, transA, transB, aBatchStride, bBatchStride)");
  const int64_t batch = args.integer(4), m = args.integer(5), k = args.integer(6), n = args.integer(7);
  const int64_t aStride = args.integer(10), bStride = args.integer(11);
  const float* a = args.floats(1, (batch - 1) * aStride + m * k);
  const float* b = args.floats(2, (batch - 1) * bStride + k * n);
  float* c = args.floats(3, batch * m * n);
  if (!a || !b || !c) return fail(env, "gemm: a tensor lies outside the heap");
  gemm_batched(a, b, c, batch, m, k, n, args.flag(8), args.flag(9), aStride, bStride);
  return nullptr;
}

napi_value Adam(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 15)) return fail(env, "adam(heap, p, g, m, v, outP, outM, outV, size, lr, t, beta1, beta2, epsilon, weightDecay)");
  const int64_t n = args.integer(8);
  float* tensors[7];
  for (int i = 0; i < 7; i++) {
    tensors[i] = args.floats(1 + i, n);
    if (!tensors[i]) return fail(env, "adam: a tensor lies outside the heap");
  }
  adam(tensors, n, adam_scalars(args.num(9), args.num(10), args.num(11), args.num(12), args.num(13), args.num(14)));
  return nullptr;
}

/** The 14 convolution arguments from position `first`: batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW. */
bool conv_geometry(const Args& args, size_t first, ConvGeometry& g) {
  int64_t* fields[] = {&g.batch, &g.h, &g.w, &g.c, &g.kh, &g.kw, &g.outH, &g.outW, &g.strideH, &g.strideW, &g.padTop, &g.padLeft, &g.dilH, &g.dilW};
  for (size_t i = 0; i < 14; i++) *fields[i] = args.integer(first + i);
  return g.batch >= 0 && g.h >= 0 && g.w >= 0 && g.c >= 0 && g.kh > 0 && g.kw > 0 && g.outH >= 0 && g.outW >= 0;
}

napi_value SumRows(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 5)) return fail(env, "sumRows(heap, x, out, rows, cols)");
  const int64_t rows = args.integer(3), cols = args.integer(4);
  const float* x = args.floats(1, rows * cols);
  float* out = args.floats(2, cols);
  if (!x || !out || rows < 0 || cols < 0) return fail(env, "sumRows: a tensor lies outside the heap");
  sum_rows(x, out, rows, cols);
  return nullptr;
}

/** The 12 pooling arguments from position `first`: batch, h, w, c, outH, outW, fh, fw, sh, sw, padTop, padLeft. */
void pool_geometry(const Args& args, size_t first, PoolGeometry& g) {
  int64_t* fields[] = {&g.batch, &g.h, &g.w, &g.c, &g.outH, &g.outW, &g.fh, &g.fw, &g.sh, &g.sw, &g.padTop, &g.padLeft};
  for (size_t i = 0; i < 12; i++) *fields[i] = args.integer(first + i);
}

napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 16)) return fail(env, "maxPoolGrad(heap, x, dy, dx, batch, h, w, c, outH, outW, fh, fw, sh, sw, padTop, padLeft)");
  PoolGeometry g;
  pool_geometry(args, 4, g);
  const float* x = args.floats(1, g.batch * g.h * g.w * g.c);
  const float* dy = args.floats(2, g.batch * g.outH * g.outW * g.c);
  float* dx = args.floats(3, g.batch * g.h * g.w * g.c);
  if (!x || !dy || !dx) return fail(env, "maxPoolGrad: a tensor lies outside the heap");
  max_pool_grad(g, x, dy, dx);
  return nullptr;
}

napi_value AllFinite(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr) != napi_ok || argc != 1 ||
      napi_get_typedarray_info(env, arg, &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_float32_array) {
    return fail(env, "allFinite(float32Array)");
  }
  napi_value result;
  napi_get_boolean(env, all_finite(static_cast<const float*>(data), length), &result);
  return result;
}

napi_value AddBias(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 6)) return fail(env, "addBias(heap, x, bias, out, rows, cols)");
  const int64_t rows = args.integer(4), cols = args.integer(5);
  const float* x = args.floats(1, rows * cols);
  const float* bias = args.floats(2, cols);
  float* out = args.floats(3, rows * cols);
  if (!x || !bias || !out || rows < 0 || cols < 0) return fail(env, "addBias: a tensor lies outside the heap");
  add_bias(x, bias, out, rows, cols);
  return nullptr;
}

napi_value BiasRelu(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 7)) return fail(env, "biasRelu(heap, x, bias, out, rows, cols, relu)");
  const int64_t rows = args.integer(4), cols = args.integer(5);
  const float* x = args.floats(1, rows * cols);
  const float* bias = args.integer(2) < 0 ? nullptr : args.floats(2, cols);
  float* out = args.floats(3, rows * cols);
  if (!x || (!bias && args.integer(2) >= 0) || !out || rows < 0 || cols < 0) return fail(env, "biasRelu: a tensor lies outside the heap");
  bias_relu(x, bias, out, rows, cols, args.flag(6));
  return nullptr;
}

napi_value ReluBiasGrad(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 7)) return fail(env, "reluBiasGrad(heap, dy, y, g, dbias, rows, cols)");
  const int64_t rows = args.integer(5), cols = args.integer(6);
  const float* dy = args.floats(1, rows * cols);
  const float* y = args.floats(2, rows * cols);
  float* g = args.floats(3, rows * cols);
  float* dbias = args.integer(4) < 0 ? nullptr : args.floats(4, cols);
  if (!dy || !y || !g || (!dbias && args.integer(4) >= 0) || rows < 0 || cols < 0) return fail(env, "reluBiasGrad: a tensor lies outside the heap");
  relu_bias_grad(dy, y, g, dbias, rows, cols);
  return nullptr;
}

napi_value MaxPoolArgmax(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 16)) return fail(env, "maxPoolArgmax(heap, x, y, argmax, batch, h, w, c, outH, outW, fh, fw, sh, sw, padTop, padLeft)");
  PoolGeometry g;
  pool_geometry(args, 4, g);
  const float* x = args.floats(1, g.batch * g.h * g.w * g.c);
  float* y = args.floats(2, g.batch * g.outH * g.outW * g.c);
  int32_t* argmax = reinterpret_cast<int32_t*>(args.floats(3, g.batch * g.outH * g.outW * g.c));
  if (!x || !y || !argmax) return fail(env, "maxPoolArgmax: a tensor lies outside the heap");
  max_pool_argmax(g, x, y, argmax);
  return nullptr;
}

napi_value MaxPoolScatter(napi_env env, napi_callback_info info) {
  Args args(env);
  if (!args.init(info, 6)) return fail(env, "maxPoolScatter(heap, dy, argmax, dx, outSize, inSize)");
  const int64_t outSize = args.integer(4), inSize = args.integer(5);
  const float* dy = args.floats(1, outSize);
  const int32_t* argmax = reinterpret_cast<const int32_t*>(args.floats(2, outSize));
  float* dx = args.floats(3, inSize);
  if (!dy || !argmax || !dx) return fail(env, "maxPoolScatter: a tensor lies outside the heap");
  max_pool_scatter(dy, argmax, dx, outSize, inSize);
  return nullptr;
}

napi_value ConvBiasActDirect(napi_env env, napi_callback_info info) {
  Args args(env);
  ConvGeometry g;
  if (!args.init(info, 21) || !conv_geometry(args, 5, g)) {
    return fail(env, "convBiasActDirect(heap, x, filter, bias, out, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW, outChannels, relu)");
  }
  const int64_t cout = args.integer(19);
  const float* x = args.floats(1, g.batch * g.h * g.w * g.c);
  const float* filter = args.floats(2, g.kh * g.kw * g.c * cout);
  const float* bias = args.integer(3) < 0 ? nullptr : args.floats(3, cout);
  float* out = args.floats(4, g.batch * g.outH * g.outW * cout);
  if (!x || !filter || (!bias && args.integer(3) >= 0) || !out || cout < 0) return fail(env, "convBiasActDirect: a tensor lies outside the heap");
  conv_bias_act_direct(g, cout, x, filter, bias, out, args.flag(20));
  return nullptr;
}

napi_value ConvFilterGradDirect(napi_env env, napi_callback_info info) {
  Args args(env);
  ConvGeometry g;
  if (!args.init(info, 22) || !conv_geometry(args, 6, g)) {
    return fail(env, "convFilterGradDirect(heap, x, dy, y, dw, dbias, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW, outChannels, relu)");
  }
  const int64_t cout = args.integer(20);
  const int64_t outSize = g.batch * g.outH * g.outW * cout;
  const float* x = args.floats(1, g.batch * g.h * g.w * g.c);
  const float* dy = args.floats(2, outSize);
  const float* y = args.floats(3, outSize);
  float* dw = args.floats(4, g.kh * g.kw * g.c * cout);
  float* dbias = args.integer(5) < 0 ? nullptr : args.floats(5, cout);
  if (!x || !dy || !y || !dw || (!dbias && args.integer(5) >= 0) || cout < 0) return fail(env, "convFilterGradDirect: a tensor lies outside the heap");
  conv_filter_grad_direct(g, cout, x, dy, y, dw, dbias, args.flag(21));
  return nullptr;
}

// A convolution's three tensors by shape, from the arguments at the given positions: the input
// [batch, h, w, c], the output [batch, outH, outW, cout] and the filter [kh, kw, c, cout]; false if
// one lies outside the heap.
struct ConvTensors {
  float *input, *output, *filter;
};

bool conv_tensors(const Args& args, const ConvGeometry& g, int64_t cout, size_t input, size_t output, size_t filter, ConvTensors& t) {
  t.input = args.floats(input, g.batch * g.h * g.w * g.c);
  t.output = args.floats(output, g.batch * g.outH * g.outW * cout);
  t.filter = args.floats(filter, g.kh * g.kw * g.c * cout);
  return t.input && t.output && t.filter && cout >= 0;
}

napi_value ConvBiasAct(napi_env env, napi_callback_info info) {
  Args args(env);
  ConvGeometry g;
  if (!args.init(info, 21) || !conv_geometry(args, 5, g)) {
    return fail(env, "convBiasAct(heap, x, filter, bias, out, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW, outChannels, relu)");
  }
  const int64_t cout = args.integer(19);
  ConvTensors t;
  const float* bias = args.integer(3) < 0 ? nullptr : args.floats(3, cout);
  if (!conv_tensors(args, g, cout, 1, 4, 2, t) || (!bias && args.integer(3) >= 0)) return fail(env, "convBiasAct: a tensor lies outside the heap");
  conv_bias_act_gemm(g, cout, t.input, t.filter, bias, t.output, args.flag(20));
  return nullptr;
}

napi_value ConvInputGrad(napi_env env, napi_callback_info info) {
  Args args(env);
  ConvGeometry g;
  if (!args.init(info, 19) || !conv_geometry(args, 4, g)) {
    return fail(env, "convInputGrad(heap, dy, filter, dx, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW, outChannels)");
  }
  const int64_t cout = args.integer(18);
  ConvTensors t;
  if (!conv_tensors(args, g, cout, 3, 1, 2, t)) return fail(env, "convInputGrad: a tensor lies outside the heap");
  conv_input_grad_gemm(g, cout, t.output, t.filter, t.input);
  return nullptr;
}

napi_value ConvFilterGrad(napi_env env, napi_callback_info info) {
  Args args(env);
  ConvGeometry g;
  if (!args.init(info, 19) || !conv_geometry(args, 4, g)) {
    return fail(env, "convFilterGrad(heap, x, dy, dw, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW, outChannels)");
  }
  const int64_t cout = args.integer(18);
  ConvTensors t;
  if (!conv_tensors(args, g, cout, 1, 2, 3, t)) return fail(env, "convFilterGrad: a tensor lies outside the heap");
  conv_filter_grad_gemm(g, cout, t.input, t.output, t.filter);
  return nullptr;
}

/**
 * The 6 pooling arguments from position `first` (pooledH, pooledW, fh, fw, sh, sw): windows that do
 * not overlap (stride ≥ window), at most 256 positions each (a byte), inside the conv's output.
 */
bool pool_windows(const Args& args, size_t first, const ConvGeometry& g, PoolWindows& p) {
  int64_t* fields[] = {&p.outH, &p.outW, &p.fh, &p.fw, &p.sh, &p.sw};
  for (size_t i = 0; i < 6; i++) *fields[i] = args.integer(first + i);
  return p.fh >= 1 && p.fw >= 1 && p.fh * p.fw <= 256 && p.sh >= p.fh && p.sw >= p.fw && p.outH >= 0 && p.outW >= 0 &&
         (p.outH == 0 || (p.outH - 1) * p.sh + p.fh <= g.outH) && (p.outW == 0 || (p.outW - 1) * p.sw + p.fw <= g.outW);
}

// The pooled block's tensors: pooled values (and their gradient) [batch][pooledH][pooledW][cout],
// winners one byte per pooled value (an int32 tensor of a quarter of that length, rounded up).
const uint8_t* winner_bytes(const Args& args, size_t i, int64_t pooled) {
  return reinterpret_cast<const uint8_t*>(args.floats(i, (pooled + 3) / 4));
}

napi_value ConvBiasReluPool(napi_env env, napi_callback_info info) {
  Args args(env);
  ConvGeometry g;
  PoolWindows p;
  if (!args.init(info, 27) || !conv_geometry(args, 6, g) || !pool_windows(args, 21, g, p)) {
    return fail(env, "convBiasReluPool(heap, x, filter, bias, out, winners, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW, "
                     "outChannels, pooledH, pooledW, poolH, poolW, poolStrideH, poolStrideW) with windows that do not overlap");
  }
  const int64_t cout = args.integer(20), pooled = g.batch * p.outH * p.outW * cout;
  const float* x = args.floats(1, g.batch * g.h * g.w * g.c);
  const float* filter = args.floats(2, g.kh * g.kw * g.c * cout);
  const float* bias = args.integer(3) < 0 ? nullptr : args.floats(3, cout);
  float* out = args.floats(4, pooled);
  uint8_t* winners = const_cast<uint8_t*>(winner_bytes(args, 5, pooled));
  if (!x || !filter || (!bias && args.integer(3) >= 0) || !out || !winners || cout < 0) return fail(env, "convBiasReluPool: a tensor lies outside the heap");
  conv_bias_relu_pool_direct(g, p, cout, x, filter, bias, out, winners);
  return nullptr;
}

napi_value ConvBiasReluPoolFilterGrad(napi_env env, napi_callback_info info) {
  Args args(env);
  ConvGeometry g;
  PoolWindows p;
  if (!args.init(info, 28) || !conv_geometry(args, 7, g) || !pool_windows(args, 22, g, p)) {
    return fail(env, "convBiasReluPoolFilterGrad(heap, x, dy, y, winners, dw, dbias, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, "
                     "dilH, dilW, outChannels, pooledH, pooledW, poolH, poolW, poolStrideH, poolStrideW) with windows that do not overlap");
  }
  const int64_t cout = args.integer(21), pooled = g.batch * p.outH * p.outW * cout;
  const float* x = args.floats(1, g.batch * g.h * g.w * g.c);
  const float* dy = args.floats(2, pooled);
  const float* y = args.floats(3, pooled);
  const uint8_t* winners = winner_bytes(args, 4, pooled);
  float* dw = args.floats(5, g.kh * g.kw * g.c * cout);
  float* dbias = args.integer(6) < 0 ? nullptr : args.floats(6, cout);
  if (!x || !dy || !y || !winners || !dw || (!dbias && args.integer(6) >= 0) || cout < 0) {
    return fail(env, "convBiasReluPoolFilterGrad: a tensor lies outside the heap");
  }
  conv_bias_relu_pool_filter_grad(g, p, cout, x, dy, y, winners, dw, dbias);
  return nullptr;
}

napi_value ReluPoolUnpool(napi_env env, napi_callback_info info) {
  Args args(env);
  ConvGeometry g;
  PoolWindows p;
  if (!args.init(info, 26) || !conv_geometry(args, 5, g) || !pool_windows(args, 20, g, p)) {
    return fail(env, "reluPoolUnpool(heap, dy, y, winners, grad, batch, h, w, c, kh, kw, outH, outW, strideH, strideW, padTop, padLeft, dilH, dilW, "
                     "outChannels, pooledH, pooledW, poolH, poolW, poolStrideH, poolStrideW) with windows that do not overlap");
  }
  const int64_t cout = args.integer(19), pooled = g.batch * p.outH * p.outW * cout;
  const float* dy = args.floats(1, pooled);
  const float* y = args.floats(2, pooled);
  const uint8_t* winners = winner_bytes(args, 3, pooled);
  float* grad = args.floats(4, g.batch * g.outH * g.outW * cout);
  if (!dy || !y || !winners || !grad || cout < 0) return fail(env, "reluPoolUnpool: a tensor lies outside the heap");
  relu_pool_unpool(g, p, cout, dy, y, winners, grad);
  return nullptr;
}

napi_value HelperJobs(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_double(env, static_cast<double>(helper_jobs()), &out);
  return out;
}

napi_value Threads(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_int32(env, g_threads.load(), &out);
  return out;
}

// setThreads(n) → the previous count: 1 keeps every kernel on its calling thread (replicas
// already use every core), 2 lets the big ones use the helper. Process-wide.
napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  double wanted = 0;
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr) != napi_ok || argc != 1 || napi_get_value_double(env, arg, &wanted) != napi_ok ||
      !(wanted >= 1)) {
    return fail(env, "setThreads(count): count must be a number, 1 or more");
  }
  const int previous = g_threads.exchange(wanted >= 2 ? 2 : 1);
  napi_value out;
  napi_create_int32(env, previous, &out);
  return out;
}

}  // namespace
}  // namespace elegy

NAPI_MODULE_INIT() {
  using namespace elegy;
  choose_isa();
  threads_from_env();
  const struct {
    const char* name;
    napi_callback fn;
  } functions[] = {{"gemm", Gemm}, {"adam", Adam}, {"sumRows", SumRows}, {"maxPoolGrad", MaxPoolGrad}, {"allFinite", AllFinite}, {"addBias", AddBias},
                   {"biasRelu", BiasRelu}, {"reluBiasGrad", ReluBiasGrad}, {"maxPoolArgmax", MaxPoolArgmax},
                   {"maxPoolScatter", MaxPoolScatter}, {"convBiasActDirect", ConvBiasActDirect},
                   {"convFilterGradDirect", ConvFilterGradDirect}, {"convBiasReluPool", ConvBiasReluPool},
                   {"convBiasReluPoolFilterGrad", ConvBiasReluPoolFilterGrad}, {"reluPoolUnpool", ReluPoolUnpool},
                   {"convBiasAct", ConvBiasAct}, {"convInputGrad", ConvInputGrad}, {"convFilterGrad", ConvFilterGrad}, {"setThreads", SetThreads}, {"threads", Threads}, {"helperJobs", HelperJobs}};
  for (const auto& f : functions) {
    napi_value value;
    if (napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &value) != napi_ok) return nullptr;
    if (napi_set_named_property(env, exports, f.name, value) != napi_ok) return nullptr;
  }
  napi_value simd;
  napi_get_boolean(env, isa().simd, &simd);
  napi_set_named_property(env, exports, "simd", simd);
  napi_value width;
  napi_create_string_utf8(env, isa().name, NAPI_AUTO_LENGTH, &width);
  napi_set_named_property(env, exports, "isa", width);
  return exports;
}
