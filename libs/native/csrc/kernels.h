// Native CPU kernels on float32 NHWC tensors, called in place on the caller's memory (no copies).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

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
void maxPool(const PoolGeometry& g, const float* x, float* y);
void maxPoolGrad(const PoolGeometry& g, const float* x, const float* dy, float* dx);

// out[k] = scale * sum_r x[r * width + k], accumulated in double, deterministic for a given thread count.
void leadingSum(const float* x, int64_t rows, int64_t width, double scale, float* out);

// out[o * width + k] = scale * sum_r x[(o * rows + r) * width + k] (axes in the middle, e.g. H and W of NHWC
// for global average pooling), float64 accumulation in row order.
void middleSum(const float* x, int64_t outer, int64_t rows, int64_t width, double scale, float* out);

// Average pooling with tfjs's definitions: the forward average counts only in-bounds pixels; the gradient
// (dx overwritten) gives every window pixel dy / (fh*fw), padding included, like tfjs's cpu backend.
void avgPool(const PoolGeometry& g, const float* x, float* y);
void avgPoolGrad(const PoolGeometry& g, const float* dy, float* dx);

// Backward-data by a direct loop, used by conv2dBackwardData when the input has few channels.
constexpr int64_t kNarrowInputChannels = 4;
bool conv2dBackwardDataNarrowFits(const ConvGeometry& g);
void conv2dBackwardDataNarrow(const ConvGeometry& g, const float* dy, const float* filter, float* dx);

// Batch-norm gradient with per-channel statistics over x [rows, channels]: dx = dy * rsqrt(var + eps) * scale
// and sums [2 * channels] = per-channel sum(dy), then sum((x - mean) * dy) (float64 accumulation).
void batchNormGrad(const float* x, const float* dy, int64_t rows, int64_t channels, const float* mean, const float* variance,
                   const float* scale, float epsilon, float* dx, float* sums);
// ReLU (max(0, x), NaN kept) and its gradient dy * step(x), as the tfjs cpu backend computes them.
void relu(const float* x, float* out, int64_t n);
void reluGrad(const float* dy, const float* x, float* out, int64_t n);

// Adam's float32 constants, each rounded from the JavaScript value as tfjs rounds a scalar operand.
struct AdamConstants {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2;
  float correction1, correction2;  // 1 - beta^t
  float epsilon, lr;
  float decay;  // lr * weightDecay (decoupled), 0 for none
};
// m' = m*b1 + g*(1-b1); v' = v*b2 + g^2*(1-b2); w' = w - (m'/c1) / (sqrt(v'/c2) + eps) * lr [- w*decay].
void adam(const AdamConstants& k, const float* w, const float* g, const float* m, const float* v, int64_t n, float* wOut, float* mOut,
          float* vOut);

// One parameter of adamInPlace: w, m, v updated in place from g (n elements each); decay: apply k.decay.
struct AdamTensors {
  float* w;
  const float* g;
  float* m;
  float* v;
  int64_t n;
  bool decay;
};
// The same step as adam() for every parameter at once, in place, in one parallel region.
void adamInPlace(const AdamConstants& k, const std::vector<AdamTensors>& params);

enum class BinaryOp { add = 0, sub = 1, mul = 2, div = 3, squaredDifference = 4 };
// out[i] = a[i mod aLen] op b[i mod bLen] for i < n; each of aLen, bLen is n or a period dividing n.
void binary(BinaryOp op, const float* a, int64_t aLen, const float* b, int64_t bLen, float* out, int64_t n);

// Batch-norm inference formula over x [rows, channels] with per-channel vectors (offset/scale may be null).
void batchNorm(const float* x, int64_t rows, int64_t channels, const float* mean, const float* variance, const float* offset,
               const float* scale, float epsilon, float* out);

// Batch norm in training mode over x [rows, channels]: the batch's mean and biased variance (float64
// accumulation), y = (x - mean) * rsqrt(var + eps) * scale + offset (scale/offset may be null), then ReLU if asked.
void batchNormTrainForward(const float* x, int64_t rows, int64_t channels, const float* scale, const float* offset, float epsilon,
                           bool relu, float* y, float* mean, float* variance);
// Its gradient: dx, and dScale = rsqrt(var + eps) * sum(dy * (x - mean)), dOffset = sum(dy) (each may be null).
// dMean/dVariance (may be null) are incoming gradients of the mean and variance outputs. y non-null: the
// forward applied ReLU, and dy only passes where y > 0.
void batchNormTrainBackward(const float* x, const float* dy, const float* y, int64_t rows, int64_t channels, const float* mean,
                            const float* variance, const float* scale, const float* dMean, const float* dVariance, float epsilon,
                            float* dx, float* dScale, float* dOffset);

// out = max(0, a + b) (a residual add and its ReLU in one pass; equal lengths).
void addRelu(const float* a, const float* b, float* out, int64_t n);

void setThreads(int threads);
int threads();
std::string dnnlVersion();
// Cleared when the primitive cache is full (shapes change rarely in training; this bounds memory).
size_t cachedPrimitives();

}  // namespace transfusion
