// ReLU and its gradient with the tfjs cpu backend's definitions, multi-threaded (the wasm kernels use one
// thread): relu(x) = max(0, x) with NaN kept and -0 -> 0; the gradient is dy * step(x), step(NaN) = NaN.
#include <omp.h>

#include <cmath>

#include "kernels.h"

namespace transfusion {

void relu(const float* x, float* out, int64_t n) {
#pragma omp parallel for schedule(static) if (n > 32768)
  for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0.0f || std::isnan(x[i]) ? x[i] : 0.0f;
}

void reluGrad(const float* dy, const float* x, float* out, int64_t n) {
#pragma omp parallel for schedule(static) if (n > 32768)
  for (int64_t i = 0; i < n; i++) out[i] = dy[i] * (x[i] > 0.0f ? 1.0f : (std::isnan(x[i]) ? x[i] : 0.0f));
}

}  // namespace transfusion
