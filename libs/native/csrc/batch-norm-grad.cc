// The gradient of batch normalisation y = (x - mean) * rsqrt(var + eps) * scale + offset with per-channel
// statistics, in one pass over x and dy: dx (the direct term, dy * rsqrt * scale, in tfjs's float32 order)
// and the two per-channel sums every other derivative is made of, sum(dy) and sum((x - mean) * dy),
// accumulated in float64. Each thread owns a contiguous block of rows and its own partial sums, combined in
// thread order: the result depends only on the thread count, not on timing.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"

namespace transfusion {

void batchNormGrad(const float* x, const float* dy, int64_t rows, int64_t channels, const float* mean, const float* variance,
                   const float* scale, float epsilon, float* dx, float* sums) {
  std::vector<float> r(channels), s(channels);
  for (int64_t k = 0; k < channels; k++) {
    r[k] = 1.0f / std::sqrt(variance[k] + epsilon);
    s[k] = scale ? scale[k] : 1.0f;
  }
  const int nt = std::max(1, std::min<int>(omp_get_max_threads(), static_cast<int>(rows / 64) + 1));
  std::vector<double> partial(static_cast<size_t>(nt) * 2 * channels, 0.0);
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    const int64_t begin = rows * t / nt, end = rows * (t + 1) / nt;
    double* sumDy = partial.data() + static_cast<size_t>(t) * 2 * channels;
    double* sumXDy = sumDy + channels;
    for (int64_t row = begin; row < end; row++) {
      const float* xr = x + row * channels;
      const float* d = dy + row * channels;
      float* o = dx + row * channels;
      for (int64_t k = 0; k < channels; k++) {
        o[k] = d[k] * r[k] * s[k];
        sumDy[k] += d[k];
        sumXDy[k] += static_cast<double>(xr[k] - mean[k]) * d[k];
      }
    }
  }
  for (int64_t k = 0; k < 2 * channels; k++) {
    double total = 0;
    for (int t = 0; t < nt; t++) total += partial[static_cast<size_t>(t) * 2 * channels + k];
    sums[k] = static_cast<float>(total);
  }
}

}  // namespace transfusion
