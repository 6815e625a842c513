// N-API surface: validates every argument (lengths must match the shapes, or we would read/write out of
// bounds) and forwards to the kernels. Float32Arrays may be views of the wasm heap (a SharedArrayBuffer).
#include <napi.h>

#include <string>
#include <vector>

#include "kernels.h"

#ifdef TRANSFUSION_WITH_BLAS
namespace transfusion {
// csrc/linalg.cc: float64 BLAS/LAPACK for @transfusion/cca, compiled in when build-native finds OpenBLAS.
void registerLinalg(Napi::Env env, Napi::Object exports);
}  // namespace transfusion
#endif

namespace {

using transfusion::ConvGeometry;

std::vector<int64_t> ints(const Napi::Env& env, const Napi::Value& v, size_t count, const char* what) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string(what) + ": expected an array of " + std::to_string(count) + " integers");
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() != count) {
    throw Napi::TypeError::New(env, std::string(what) + ": expected " + std::to_string(count) + " integers, got " + std::to_string(a.Length()));
  }
  std::vector<int64_t> out(count);
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + "[" + std::to_string(i) + "]: expected an integer");
    double d = e.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d))) {
      throw Napi::TypeError::New(env, std::string(what) + "[" + std::to_string(i) + "]: expected an integer, got " + std::to_string(d));
    }
    out[i] = static_cast<int64_t>(d);
  }
  return out;
}

float* floats(const Napi::Env& env, const Napi::Value& v, int64_t length, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, std::string(what) + ": expected a Float32Array");
  }
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  if (static_cast<int64_t>(a.ElementLength()) != length) {
    throw Napi::RangeError::New(env, std::string(what) + ": expected " + std::to_string(length) + " elements, got " + std::to_string(a.ElementLength()));
  }
  return a.Data();
}

// geometry: [n,h,w,ci, kh,kw,co, oh,ow, sh,sw, dh,dw, pt,pl,pb,pr]
ConvGeometry convGeometry(const Napi::Env& env, const Napi::Value& v) {
  auto g = ints(env, v, 17, "geometry");
  for (size_t i = 0; i < 13; i++) {
    if (g[i] < 1) throw Napi::RangeError::New(env, "geometry[" + std::to_string(i) + "]: expected a positive size, got " + std::to_string(g[i]));
  }
  for (size_t i = 13; i < 17; i++) {
    if (g[i] < 0) throw Napi::RangeError::New(env, "geometry[" + std::to_string(i) + "]: expected a non-negative padding, got " + std::to_string(g[i]));
  }
  ConvGeometry c{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15], g[16]};
  const int64_t effH = (c.kh - 1) * c.dh + 1, effW = (c.kw - 1) * c.dw + 1;
  if ((c.h + c.pt + c.pb - effH) / c.sh + 1 != c.oh || (c.w + c.pl + c.pr - effW) / c.sw + 1 != c.ow ||
      c.h + c.pt + c.pb < effH || c.w + c.pl + c.pr < effW) {
    throw Napi::RangeError::New(env, "geometry: output " + std::to_string(c.oh) + "x" + std::to_string(c.ow) +
                                         " does not follow from input, kernel, strides, dilations and padding");
  }
  return c;
}

template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F f) {
  try {
    f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("native kernel failed: ") + e.what());
  }
  return info.Env().Undefined();
}

// conv2dForward(geometry, x, filter, bias|null, activation(0 none, 1 relu), y)
Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ConvGeometry g = convGeometry(env, info[0]);
  float* x = floats(env, info[1], g.n * g.h * g.w * g.ci, "x");
  float* f = floats(env, info[2], g.kh * g.kw * g.ci * g.co, "filter");
  float* bias = info[3].IsNull() || info[3].IsUndefined() ? nullptr : floats(env, info[3], g.co, "bias");
  int act = info[4].As<Napi::Number>().Int32Value();
  if (act != 0 && act != 1) throw Napi::RangeError::New(env, "activation: expected 0 (none) or 1 (relu)");
  float* y = floats(env, info[5], g.n * g.oh * g.ow * g.co, "y");
  return guarded(info, [&] { transfusion::conv2dForward(g, x, f, bias, static_cast<transfusion::Activation>(act), y); });
}

// conv2dBackwardData(geometry, dy, filter, dx)
Napi::Value Conv2dBackwardData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ConvGeometry g = convGeometry(env, info[0]);
  float* dy = floats(env, info[1], g.n * g.oh * g.ow * g.co, "dy");
  float* f = floats(env, info[2], g.kh * g.kw * g.ci * g.co, "filter");
  float* dx = floats(env, info[3], g.n * g.h * g.w * g.ci, "dx");
  return guarded(info, [&] { transfusion::conv2dBackwardData(g, dy, f, dx); });
}

// conv2dBackwardWeights(geometry, x, dy, dfilter)
Napi::Value Conv2dBackwardWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ConvGeometry g = convGeometry(env, info[0]);
  float* x = floats(env, info[1], g.n * g.h * g.w * g.ci, "x");
  float* dy = floats(env, info[2], g.n * g.oh * g.ow * g.co, "dy");
  float* df = floats(env, info[3], g.kh * g.kw * g.ci * g.co, "dfilter");
  return guarded(info, [&] { transfusion::conv2dBackwardWeights(g, x, dy, df); });
}

// Pool geometry: [n,h,w,c, oh,ow, fh,fw, sh,sw, pt,pl]. Windows are clipped to the input, so any values are safe.
transfusion::PoolGeometry poolGeometry(const Napi::Env& env, const Napi::Value& v) {
  auto p = ints(env, v, 12, "geometry");
  for (size_t i = 0; i < 10; i++) {
    if (p[i] < 1) throw Napi::RangeError::New(env, "geometry[" + std::to_string(i) + "]: expected a positive size, got " + std::to_string(p[i]));
  }
  if (p[10] < 0 || p[11] < 0) throw Napi::RangeError::New(env, "geometry: expected non-negative padding");
  return transfusion::PoolGeometry{p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11]};
}

// maxPool([n,h,w,c, oh,ow, fh,fw, sh,sw, pt,pl], x, y)
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  transfusion::PoolGeometry g = poolGeometry(env, info[0]);
  float* x = floats(env, info[1], g.n * g.h * g.w * g.c, "x");
  float* y = floats(env, info[2], g.n * g.oh * g.ow * g.c, "y");
  return guarded(info, [&] { transfusion::maxPool(g, x, y); });
}

// maxPoolGrad([n,h,w,c, oh,ow, fh,fw, sh,sw, pt,pl], x, dy, dx)
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  transfusion::PoolGeometry g = poolGeometry(env, info[0]);
  float* x = floats(env, info[1], g.n * g.h * g.w * g.c, "x");
  float* dy = floats(env, info[2], g.n * g.oh * g.ow * g.c, "dy");
  float* dx = floats(env, info[3], g.n * g.h * g.w * g.c, "dx");
  return guarded(info, [&] { transfusion::maxPoolGrad(g, x, dy, dx); });
}

// leadingSum(x, rows, width, scale, out)
Napi::Value LeadingSum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array dims = Napi::Array::New(env, 2);
  dims.Set(0u, info[1]);
  dims.Set(1u, info[2]);
  auto rw = ints(env, dims, 2, "rows/width");
  if (rw[0] < 1 || rw[1] < 1) throw Napi::RangeError::New(env, "rows/width: expected positive integers");
  if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "scale: expected a number");
  float* x = floats(env, info[0], rw[0] * rw[1], "x");
  float* out = floats(env, info[4], rw[1], "out");
  double scale = info[3].As<Napi::Number>().DoubleValue();
  return guarded(info, [&] { transfusion::leadingSum(x, rw[0], rw[1], scale, out); });
}

float* optionalFloats(const Napi::Env& env, const Napi::Value& v, int64_t length, const char* what) {
  return v.IsNull() || v.IsUndefined() ? nullptr : floats(env, v, length, what);
}

int64_t floatLength(const Napi::Env& env, const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, std::string(what) + ": expected a Float32Array");
  }
  return static_cast<int64_t>(v.As<Napi::Float32Array>().ElementLength());
}

// binary(op, a, b, out): out.length = n; a.length and b.length are n or periods dividing n.
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "op: expected 0..4 (add, sub, mul, div, squaredDifference)");
  const int op = info[0].As<Napi::Number>().Int32Value();
  if (op < 0 || op > 4) throw Napi::RangeError::New(env, "op: expected 0..4 (add, sub, mul, div, squaredDifference)");
  const int64_t n = floatLength(env, info[3], "out");
  const int64_t aLen = floatLength(env, info[1], "a"), bLen = floatLength(env, info[2], "b");
  for (int64_t len : {aLen, bLen}) {
    if (len < 1 || len > n || n % len != 0) {
      throw Napi::RangeError::New(env, "a/b: lengths " + std::to_string(aLen) + " and " + std::to_string(bLen) +
                                           " must each equal or divide the output length " + std::to_string(n));
    }
  }
  if (aLen != n && bLen != n) throw Napi::RangeError::New(env, "a/b: one side must have the output length");
  float* a = floats(env, info[1], aLen, "a");
  float* b = floats(env, info[2], bLen, "b");
  float* out = floats(env, info[3], n, "out");
  return guarded(info, [&] { transfusion::binary(static_cast<transfusion::BinaryOp>(op), a, aLen, b, bLen, out, n); });
}

// Batch norm's per-channel arguments: x (info[0]) of n elements, a channel count (info[channels]) dividing n,
// statistics info[channels+1..] of that many elements, the scale possibly null, epsilon at info[epsilon].
struct PerChannel {
  int64_t n, c;
  float *mean, *variance, *scale;
  float epsilon;
};
PerChannel perChannel(const Napi::CallbackInfo& info, size_t channels, size_t scale, size_t epsilon) {
  Napi::Env env = info.Env();
  if (!info[channels].IsNumber() || !info[epsilon].IsNumber()) throw Napi::TypeError::New(env, "channels and epsilon: expected numbers");
  const int64_t c = info[channels].As<Napi::Number>().Int64Value();
  const int64_t n = floatLength(env, info[0], "x");
  if (c < 1 || n % c != 0) throw Napi::RangeError::New(env, "channels: expected a positive divisor of x.length");
  return {n, c, floats(env, info[channels + 1], c, "mean"), floats(env, info[channels + 2], c, "variance"),
          optionalFloats(env, info[scale], c, "scale"), static_cast<float>(info[epsilon].As<Napi::Number>().DoubleValue())};
}

// batchNorm(x, channels, mean, variance, offset|null, scale|null, epsilon, out)
Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const PerChannel p = perChannel(info, 1, 5, 6);
  const int64_t n = p.n, c = p.c;
  float* x = floats(env, info[0], n, "x");
  float* offset = optionalFloats(env, info[4], c, "offset");
  float* out = floats(env, info[7], n, "out");
  return guarded(info, [&] { transfusion::batchNorm(x, n / c, c, p.mean, p.variance, offset, p.scale, p.epsilon, out); });
}

// avgPool([n,h,w,c, oh,ow, fh,fw, sh,sw, pt,pl], x, y)
Napi::Value AvgPool(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  transfusion::PoolGeometry g = poolGeometry(env, info[0]);
  float* x = floats(env, info[1], g.n * g.h * g.w * g.c, "x");
  float* y = floats(env, info[2], g.n * g.oh * g.ow * g.c, "y");
  return guarded(info, [&] { transfusion::avgPool(g, x, y); });
}

// avgPoolGrad(geometry, dy, dx)
Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  transfusion::PoolGeometry g = poolGeometry(env, info[0]);
  float* dy = floats(env, info[1], g.n * g.oh * g.ow * g.c, "dy");
  float* dx = floats(env, info[2], g.n * g.h * g.w * g.c, "dx");
  return guarded(info, [&] { transfusion::avgPoolGrad(g, dy, dx); });
}

// middleSum(x, outer, rows, width, scale, out)
Napi::Value MiddleSum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array dims = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; i++) dims.Set(i, info[i + 1]);
  auto d = ints(env, dims, 3, "outer/rows/width");
  if (d[0] < 1 || d[1] < 1 || d[2] < 1) throw Napi::RangeError::New(env, "outer/rows/width: expected positive integers");
  if (!info[4].IsNumber()) throw Napi::TypeError::New(env, "scale: expected a number");
  float* x = floats(env, info[0], d[0] * d[1] * d[2], "x");
  float* out = floats(env, info[5], d[0] * d[2], "out");
  const double scale = info[4].As<Napi::Number>().DoubleValue();
  return guarded(info, [&] { transfusion::middleSum(x, d[0], d[1], d[2], scale, out); });
}

// batchNormGrad(x, dy, channels, mean, variance, scale|null, epsilon, dx, sums)
Napi::Value BatchNormGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const PerChannel p = perChannel(info, 2, 5, 6);
  float* x = floats(env, info[0], p.n, "x");
  float* dy = floats(env, info[1], p.n, "dy");
  float* dx = floats(env, info[7], p.n, "dx");
  float* sums = floats(env, info[8], 2 * p.c, "sums");
  return guarded(info, [&] { transfusion::batchNormGrad(x, dy, p.n / p.c, p.c, p.mean, p.variance, p.scale, p.epsilon, dx, sums); });
}

// batchNormTrain(x, channels, scale|null, offset|null, epsilon, relu, y, mean, variance)
Napi::Value BatchNormTrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsNumber() || !info[4].IsNumber() || !info[5].IsBoolean()) throw Napi::TypeError::New(env, "channels, epsilon, relu: expected number, number, boolean");
  const int64_t c = info[1].As<Napi::Number>().Int64Value();
  const int64_t n = floatLength(env, info[0], "x");
  if (c < 1 || n % c != 0 || n == 0) throw Napi::RangeError::New(env, "channels: expected a positive divisor of x.length");
  float* x = floats(env, info[0], n, "x");
  float* scale = optionalFloats(env, info[2], c, "scale");
  float* offset = optionalFloats(env, info[3], c, "offset");
  const float epsilon = static_cast<float>(info[4].As<Napi::Number>().DoubleValue());
  const bool relu = info[5].As<Napi::Boolean>().Value();
  float* y = floats(env, info[6], n, "y");
  float* mean = floats(env, info[7], c, "mean");
  float* variance = floats(env, info[8], c, "variance");
  return guarded(info, [&] { transfusion::batchNormTrainForward(x, n / c, c, scale, offset, epsilon, relu, y, mean, variance); });
}

// batchNormTrainGrad(x, dy, y|null, channels, mean, variance, scale|null, dMean|null, dVariance|null, epsilon, dx, dScale, dOffset)
Napi::Value BatchNormTrainGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[3].IsNumber() || !info[9].IsNumber()) throw Napi::TypeError::New(env, "channels and epsilon: expected numbers");
  const int64_t c = info[3].As<Napi::Number>().Int64Value();
  const int64_t n = floatLength(env, info[0], "x");
  if (c < 1 || n % c != 0 || n == 0) throw Napi::RangeError::New(env, "channels: expected a positive divisor of x.length");
  float* x = floats(env, info[0], n, "x");
  float* dy = floats(env, info[1], n, "dy");
  float* y = optionalFloats(env, info[2], n, "y");
  float* mean = floats(env, info[4], c, "mean");
  float* variance = floats(env, info[5], c, "variance");
  float* scale = optionalFloats(env, info[6], c, "scale");
  float* dMean = optionalFloats(env, info[7], c, "dMean");
  float* dVariance = optionalFloats(env, info[8], c, "dVariance");
  const float epsilon = static_cast<float>(info[9].As<Napi::Number>().DoubleValue());
  float* dx = floats(env, info[10], n, "dx");
  float* dScale = floats(env, info[11], c, "dScale");
  float* dOffset = floats(env, info[12], c, "dOffset");
  return guarded(info, [&] {
    transfusion::batchNormTrainBackward(x, dy, y, n / c, c, mean, variance, scale, dMean, dVariance, epsilon, dx, dScale, dOffset);
  });
}

// reluGrad(dy, x, out): equal lengths.
Napi::Value ReluGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t n = floatLength(env, info[2], "out");
  float* dy = floats(env, info[0], n, "dy");
  float* x = floats(env, info[1], n, "x");
  float* out = floats(env, info[2], n, "out");
  return guarded(info, [&] { transfusion::reluGrad(dy, x, out, n); });
}

// addRelu(a, b, out): equal lengths.
Napi::Value AddRelu(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t n = floatLength(env, info[2], "out");
  float* a = floats(env, info[0], n, "a");
  float* b = floats(env, info[1], n, "b");
  float* out = floats(env, info[2], n, "out");
  return guarded(info, [&] { transfusion::addRelu(a, b, out, n); });
}

// relu(x, out): equal lengths.
Napi::Value Relu(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t n = floatLength(env, info[1], "out");
  float* x = floats(env, info[0], n, "x");
  float* out = floats(env, info[1], n, "out");
  return guarded(info, [&] { transfusion::relu(x, out, n); });
}

// Adam's constants [b1, 1-b1, b2, 1-b2, 1-b1^t, 1-b2^t, epsilon, lr, lr*weightDecay], each rounded to float32.
transfusion::AdamConstants adamConstants(const Napi::Env& env, const Napi::Value& v) {
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 9) {
    throw Napi::TypeError::New(env, "constants: expected [beta1, 1-beta1, beta2, 1-beta2, 1-beta1^t, 1-beta2^t, epsilon, lr, lr*weightDecay]");
  }
  Napi::Array a = v.As<Napi::Array>();
  float k[9];
  for (uint32_t i = 0; i < 9; i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw Napi::TypeError::New(env, "constants[" + std::to_string(i) + "]: expected a number");
    k[i] = static_cast<float>(e.As<Napi::Number>().DoubleValue());
  }
  if (!(k[4] > 0.0f) || !(k[5] > 0.0f)) throw Napi::RangeError::New(env, "constants: bias corrections 1-beta^t must be positive");
  return {k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8]};
}

// adam(constants[9], w, g, m, v, wOut, mOut, vOut): all arrays of w's length; see AdamConstants for the order.
Napi::Value Adam(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const transfusion::AdamConstants c = adamConstants(env, info[0]);
  const int64_t n = floatLength(env, info[1], "w");
  float* w = floats(env, info[1], n, "w");
  float* g = floats(env, info[2], n, "g");
  float* m = floats(env, info[3], n, "m");
  float* v = floats(env, info[4], n, "v");
  float* wOut = floats(env, info[5], n, "wOut");
  float* mOut = floats(env, info[6], n, "mOut");
  float* vOut = floats(env, info[7], n, "vOut");
  return guarded(info, [&] { transfusion::adam(c, w, g, m, v, n, wOut, mOut, vOut); });
}

// adamInPlace(constants[9], params: [w, g, m, v, decay][]): every parameter's w, m, v updated in place.
Napi::Value AdamInPlace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const transfusion::AdamConstants c = adamConstants(env, info[0]);
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "params: expected an array of [w, g, m, v, decay]");
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<transfusion::AdamTensors> params;
  params.reserve(list.Length());
  for (uint32_t p = 0; p < list.Length(); p++) {
    Napi::Value e = list.Get(p);
    const std::string at = "params[" + std::to_string(p) + "]";
    if (!e.IsArray() || e.As<Napi::Array>().Length() != 5) throw Napi::TypeError::New(env, at + ": expected [w, g, m, v, decay]");
    Napi::Array q = e.As<Napi::Array>();
    const int64_t n = floatLength(env, q.Get(0u), (at + ".w").c_str());
    params.push_back({floats(env, q.Get(0u), n, (at + ".w").c_str()), floats(env, q.Get(1u), n, (at + ".g").c_str()),
                      floats(env, q.Get(2u), n, (at + ".m").c_str()), floats(env, q.Get(3u), n, (at + ".v").c_str()), n,
                      q.Get(4u).ToBoolean().Value()});
  }
  return guarded(info, [&] { transfusion::adamInPlace(c, params); });
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "threads: expected an integer from 1 to 256");
  int t = info[0].As<Napi::Number>().Int32Value();
  if (t < 1 || t > 256) throw Napi::RangeError::New(env, "threads: expected an integer from 1 to 256, got " + std::to_string(t));
  transfusion::setThreads(t);
  return env.Undefined();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("dnnlVersion", transfusion::dnnlVersion());
  o.Set("threads", transfusion::threads());
  o.Set("cachedPrimitives", static_cast<double>(transfusion::cachedPrimitives()));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2dForward", Napi::Function::New(env, Conv2dForward));
  exports.Set("conv2dBackwardData", Napi::Function::New(env, Conv2dBackwardData));
  exports.Set("conv2dBackwardWeights", Napi::Function::New(env, Conv2dBackwardWeights));
  exports.Set("maxPool", Napi::Function::New(env, MaxPool));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  exports.Set("leadingSum", Napi::Function::New(env, LeadingSum));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("batchNorm", Napi::Function::New(env, BatchNorm));
  exports.Set("avgPool", Napi::Function::New(env, AvgPool));
  exports.Set("avgPoolGrad", Napi::Function::New(env, AvgPoolGrad));
  exports.Set("middleSum", Napi::Function::New(env, MiddleSum));
  exports.Set("batchNormGrad", Napi::Function::New(env, BatchNormGrad));
  exports.Set("reluGrad", Napi::Function::New(env, ReluGrad));
  exports.Set("batchNormTrain", Napi::Function::New(env, BatchNormTrain));
  exports.Set("batchNormTrainGrad", Napi::Function::New(env, BatchNormTrainGrad));
  exports.Set("relu", Napi::Function::New(env, Relu));
  exports.Set("addRelu", Napi::Function::New(env, AddRelu));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("adamInPlace", Napi::Function::New(env, AdamInPlace));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("info", Napi::Function::New(env, Info));
#ifdef TRANSFUSION_WITH_BLAS
  transfusion::registerLinalg(env, exports);
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(transfusion_native, Init)
