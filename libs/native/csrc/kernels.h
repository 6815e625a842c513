// Native CPU kernels on float32 NHWC tensors, called in place on the caller's memory (no copies).
#pragma once
#include <cstdint>
#include <string>

namespace transfusion {

// One 2-D convolution's geometry: x [n,h,w,ci], filter [kh,kw,ci,co] (HWIO), y [n,oh,ow,co].
// Dilations are tfjs-style (1 = dense); pads are the explicit top/left/bottom/right amounts.
struct ConvGeometry {
  int64_t n, h, w, ci, kh, kw, co, oh, ow;
  int64_t sh, sw, dh, dw;
  int64_t pt, pl, pb, pr;
};

enum class Activation { none = 0, relu = 1 };

// y = act(conv(x, filter) + bias); bias may be null.
void conv2dForward(const ConvGeometry& g, const float* x, const float* filter, const float* bias, Activation act, float* y);
// dx = conv2d's gradient with respect to x, given dy.
void conv2dBackwardData(const ConvGeometry& g, const float* dy, const float* filter, float* dx);
// dfilter = conv2d's gradient with respect to the filter, given x and dy.
void conv2dBackwardWeights(const ConvGeometry& g, const float* x, const float* dy, float* dfilter);

struct PoolGeometry {
  int64_t n, h, w, c, oh, ow, fh, fw, sh, sw, pt, pl;
};
// dx (zeroed here) receives dy at the first maximum of each window (the tfjs cpu backend's tie rule).
void maxPoolGrad(const PoolGeometry& g, const float* x, const float* dy, float* dx);

// out[k] = scale * sum_r x[r * width + k], accumulated in double, deterministic for a given thread count.
void leadingSum(const float* x, int64_t rows, int64_t width, double scale, float* out);

enum class BinaryOp { add = 0, sub = 1, mul = 2, div = 3, squaredDifference = 4 };
// out[i] = a[i mod aLen] op b[i mod bLen] for i < n; each of aLen, bLen is n or a period dividing n.
void binary(BinaryOp op, const float* a, int64_t aLen, const float* b, int64_t bLen, float* out, int64_t n);

// Batch-norm inference formula over x [rows, channels] with per-channel vectors (offset/scale may be null).
void batchNorm(const float* x, int64_t rows, int64_t channels, const float* mean, const float* variance, const float* offset,
               const float* scale, float epsilon, float* out);

void setThreads(int threads);
int threads();
std::string dnnlVersion();
// Cleared when the primitive cache is full (shapes change rarely in training; this bounds memory).
size_t cachedPrimitives();

}  // namespace transfusion
