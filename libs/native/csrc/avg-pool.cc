// Average pooling and its gradient with the tfjs definitions (what the cpu backend computes): the forward
// average counts only the window's in-bounds pixels; the gradient spreads dy with the constant weight
// 1/(fh*fw) for every window (padding included), as tfjs's cpu and webgl backends do. OpenMP over images.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels.h"

namespace transfusion {

void avgPool(const PoolGeometry& g, const float* x, float* y) {
#pragma omp parallel
  {
    std::vector<float> acc(g.c);
#pragma omp for schedule(static)
    for (int64_t b = 0; b < g.n; b++) {
      for (int64_t i = 0; i < g.oh; i++) {
        const int64_t r0 = std::max<int64_t>(0, i * g.sh - g.pt), r1 = std::min(g.h, i * g.sh - g.pt + g.fh);
        for (int64_t j = 0; j < g.ow; j++) {
          const int64_t c0 = std::max<int64_t>(0, j * g.sw - g.pl), c1 = std::min(g.w, j * g.sw - g.pl + g.fw);
          std::fill(acc.begin(), acc.end(), 0.0f);
          for (int64_t r = r0; r < r1; r++) {
            for (int64_t q = c0; q < c1; q++) {
              const float* xr = x + ((b * g.h + r) * g.w + q) * g.c;
              for (int64_t k = 0; k < g.c; k++) acc[k] += xr[k];
            }
          }
          // An all-padding window has no pixels: 0/0, as in the cpu backend (NaN).
          const float count = static_cast<float>(std::max<int64_t>(0, r1 - r0) * std::max<int64_t>(0, c1 - c0));
          float* yo = y + ((b * g.oh + i) * g.ow + j) * g.c;
          for (int64_t k = 0; k < g.c; k++) yo[k] = acc[k] / count;
        }
      }
    }
  }
}

void avgPoolGrad(const PoolGeometry& g, const float* dy, float* dx) {
  const float weight = 1.0f / static_cast<float>(g.fh * g.fw);
  std::memset(dx, 0, sizeof(float) * g.n * g.h * g.w * g.c);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < g.n; b++) {
    float* dxb = dx + b * g.h * g.w * g.c;
    for (int64_t i = 0; i < g.oh; i++) {
      const int64_t r0 = std::max<int64_t>(0, i * g.sh - g.pt), r1 = std::min(g.h, i * g.sh - g.pt + g.fh);
      for (int64_t j = 0; j < g.ow; j++) {
        const int64_t c0 = std::max<int64_t>(0, j * g.sw - g.pl), c1 = std::min(g.w, j * g.sw - g.pl + g.fw);
        const float* d = dy + ((b * g.oh + i) * g.ow + j) * g.c;
        for (int64_t r = r0; r < r1; r++) {
          for (int64_t q = c0; q < c1; q++) {
            float* o = dxb + (r * g.w + q) * g.c;
            for (int64_t k = 0; k < g.c; k++) o[k] += d[k];
          }
        }
      }
    }
    for (int64_t k = 0; k < g.h * g.w * g.c; k++) dxb[k] *= weight;
  }
}

}  // namespace transfusion
