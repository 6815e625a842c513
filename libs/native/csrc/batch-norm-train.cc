// Batch normalisation in training mode as two fused kernels over x [rows, channels] (NHWC flattened):
// - forward: the batch's per-channel mean and (biased) variance, accumulated in float64, then
//   y = (x - mean) * rsqrt(variance + eps) * scale + offset, optionally followed by ReLU;
// - backward: with r = rsqrt(variance + eps) and n = rows, the exact gradient of that function of x, scale
//   and offset (mean and variance being functions of x), plus incoming gradients of the mean and variance
//   outputs: dx = k1*dy + k2*(x - mean) + k3 per channel, dscale = r*sum(dy*(x - mean)), doffset = sum(dy).
//   With the ReLU fused, dy is first masked by y > 0.
// tfjs composes the same from ~15 elementwise passes; here it is two passes each way.
// Partial sums are per thread over contiguous row blocks, combined in thread order: results depend on the
// thread count only, never on timing.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"

namespace transfusion {

namespace {

// tfjs's ReLU: NaN kept (a diverging run must stay visibly NaN), -0 -> 0.
inline float reluKeepNan(float v) { return v > 0.0f || std::isnan(v) ? v : 0.0f; }
// ReLU's derivative as tfjs's gradient computes it: 1 where y > 0, NaN where y is NaN, else 0.
inline float reluStep(float y) { return y > 0.0f ? 1.0f : (std::isnan(y) ? y : 0.0f); }

int threadsFor(int64_t rows) { return std::max(1, std::min<int>(omp_get_max_threads(), static_cast<int>(rows / 64) + 1)); }

// sums[k] over threads' partials laid out [nt][width].
void combine(const std::vector<double>& partial, int nt, int64_t width, std::vector<double>& out) {
  out.assign(width, 0.0);
  for (int t = 0; t < nt; t++)
    for (int64_t k = 0; k < width; k++) out[k] += partial[static_cast<size_t>(t) * width + k];
}

}  // namespace

void batchNormTrainForward(const float* x, int64_t rows, int64_t channels, const float* scale, const float* offset, float epsilon,
                           bool relu, float* y, float* mean, float* variance) {
  // One pass for sum(x) and sum(x^2) in float64: variance = E[x^2] - mean^2 loses precision only when
  // |mean| / std approaches 1e7, far outside what batch norm sees.
  const int nt = threadsFor(rows);
  std::vector<double> partial(static_cast<size_t>(nt) * 2 * channels, 0.0), sums;
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    double* s = partial.data() + static_cast<size_t>(t) * 2 * channels;
    double* s2 = s + channels;
    for (int64_t row = rows * t / nt; row < rows * (t + 1) / nt; row++) {
      const float* xr = x + row * channels;
      for (int64_t k = 0; k < channels; k++) {
        const double v = xr[k];
        s[k] += v;
        s2[k] += v * v;
      }
    }
  }
  combine(partial, nt, 2 * channels, sums);
  const double n = static_cast<double>(rows);
  std::vector<float> a(channels), b(channels);
  for (int64_t k = 0; k < channels; k++) {
    const double mu = sums[k] / n;
    mean[k] = static_cast<float>(mu);
    variance[k] = static_cast<float>(std::max(0.0, sums[channels + k] / n - mu * mu));
    const float r = 1.0f / std::sqrt(variance[k] + epsilon);
    a[k] = r * (scale ? scale[k] : 1.0f);
    b[k] = (offset ? offset[k] : 0.0f) - mean[k] * a[k];
  }
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int64_t row = 0; row < rows; row++) {
    const float* xr = x + row * channels;
    float* o = y + row * channels;
    if (relu) {
      for (int64_t k = 0; k < channels; k++) o[k] = reluKeepNan(xr[k] * a[k] + b[k]);
    } else {
      for (int64_t k = 0; k < channels; k++) o[k] = xr[k] * a[k] + b[k];
    }
  }
}

void batchNormTrainBackward(const float* x, const float* dy, const float* y, int64_t rows, int64_t channels, const float* mean,
                            const float* variance, const float* scale, const float* dMean, const float* dVariance, float epsilon,
                            float* dx, float* dScale, float* dOffset) {
  const int nt = threadsFor(rows);
  std::vector<double> partial(static_cast<size_t>(nt) * 2 * channels, 0.0), sums;
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    double* sumDy = partial.data() + static_cast<size_t>(t) * 2 * channels;
    double* sumDyXmu = sumDy + channels;
    for (int64_t row = rows * t / nt; row < rows * (t + 1) / nt; row++) {
      const float* xr = x + row * channels;
      const float* d = dy + row * channels;
      const float* yr = y ? y + row * channels : nullptr;
      for (int64_t k = 0; k < channels; k++) {
        const float g = yr ? d[k] * reluStep(yr[k]) : d[k];
        sumDy[k] += g;
        sumDyXmu[k] += static_cast<double>(xr[k] - mean[k]) * g;
      }
    }
  }
  combine(partial, nt, 2 * channels, sums);
  const double n = static_cast<double>(rows);
  std::vector<float> k1(channels), k2(channels), k3(channels);
  for (int64_t k = 0; k < channels; k++) {
    const double r = 1.0 / std::sqrt(static_cast<double>(variance[k]) + epsilon);
    const double s = scale ? scale[k] : 1.0;
    const double sDy = sums[k], sDyXmu = sums[channels + k];
    k1[k] = static_cast<float>(s * r);
    k2[k] = static_cast<float>(-s * r * r * r * sDyXmu / n + (dVariance ? 2.0 * dVariance[k] / n : 0.0));
    k3[k] = static_cast<float>(-s * r * sDy / n + (dMean ? dMean[k] / n : 0.0));
    if (dScale) dScale[k] = static_cast<float>(r * sDyXmu);
    if (dOffset) dOffset[k] = static_cast<float>(sDy);
  }
#pragma omp parallel for schedule(static) num_threads(nt)
  for (int64_t row = 0; row < rows; row++) {
    const float* xr = x + row * channels;
    const float* d = dy + row * channels;
    const float* yr = y ? y + row * channels : nullptr;
    float* o = dx + row * channels;
    for (int64_t k = 0; k < channels; k++) {
      const float g = yr ? d[k] * reluStep(yr[k]) : d[k];
      o[k] = k1[k] * g + k2[k] * (xr[k] - mean[k]) + k3[k];
    }
  }
}

void addRelu(const float* a, const float* b, float* out, int64_t n) {
#pragma omp parallel for schedule(static) if (n > 32768)
  for (int64_t i = 0; i < n; i++) out[i] = reluKeepNan(a[i] + b[i]);
}

}  // namespace transfusion
