// Elementwise kernels the batch-norm graph and Adam spend their time in: binary ops where one side is either
// the same size as the output or repeats with a period (a per-channel vector broadcast over NHWC, a scalar),
// and batch-norm's normalisation with per-channel statistics. OpenMP over contiguous chunks.
#include <omp.h>

#include <cmath>
#include <vector>

#include "kernels.h"

namespace transfusion {
namespace {

// out[i] = op(full[i], period[i mod p]) for a `full` operand of n elements and a `period` of p dividing n.
template <typename Op>
void periodicLoop(const float* full, const float* period, int64_t p, float* out, int64_t n, Op op) {
  if (p == n) {
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; i++) out[i] = op(full[i], period[i]);
  } else if (p == 1) {  // scalars get a flat loop (a row loop of length 1 would not vectorise)
    const float s = period[0];
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; i++) out[i] = op(full[i], s);
  } else {
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t r = 0; r < n / p; r++) {
      for (int64_t k = 0; k < p; k++) out[r * p + k] = op(full[r * p + k], period[k]);
    }
  }
}

template <typename Op>
void binaryLoop(const float* a, int64_t aLen, const float* b, int64_t bLen, float* out, int64_t n, Op op) {
  if (aLen == n) periodicLoop(a, b, bLen, out, n, op);
  else periodicLoop(b, a, aLen, out, n, [op](float y, float x) { return op(x, y); });
}

}  // namespace

void binary(BinaryOp op, const float* a, int64_t aLen, const float* b, int64_t bLen, float* out, int64_t n) {
  switch (op) {
    case BinaryOp::add: return binaryLoop(a, aLen, b, bLen, out, n, [](float x, float y) { return x + y; });
    case BinaryOp::sub: return binaryLoop(a, aLen, b, bLen, out, n, [](float x, float y) { return x - y; });
    case BinaryOp::mul: return binaryLoop(a, aLen, b, bLen, out, n, [](float x, float y) { return x * y; });
    case BinaryOp::div: return binaryLoop(a, aLen, b, bLen, out, n, [](float x, float y) { return x / y; });
    case BinaryOp::squaredDifference:
      return binaryLoop(a, aLen, b, bLen, out, n, [](float x, float y) { return (x - y) * (x - y); });
  }
}

void batchNorm(const float* x, int64_t rows, int64_t channels, const float* mean, const float* variance, const float* offset,
               const float* scale, float epsilon, float* out) {
  // y = (x - mean) / sqrt(var + eps) * scale + offset = x * a + b per channel. Computed in float like tfjs
  // (which does rsqrt in float32), so results match the cpu backend to rounding.
  std::vector<float> a(channels), b(channels);
  for (int64_t k = 0; k < channels; k++) {
    const float inv = 1.0f / std::sqrt(variance[k] + epsilon);
    a[k] = inv * (scale ? scale[k] : 1.0f);
    b[k] = (offset ? offset[k] : 0.0f) - mean[k] * a[k];
  }
#pragma omp parallel for schedule(static) if (rows * channels > 32768)
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * channels;
    float* o = out + r * channels;
    for (int64_t k = 0; k < channels; k++) o[k] = xr[k] * a[k] + b[k];
  }
}

}  // namespace transfusion
