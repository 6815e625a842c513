// MaxPool, MaxPoolGrad and sums over leading (or a middle block of) axes: simple loops, parallel with OpenMP.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels.h"

namespace transfusion {

void maxPool(const PoolGeometry& g, const float* x, float* y) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < g.n; b++) {
    for (int64_t i = 0; i < g.oh; i++) {
      const int64_t r0 = std::max<int64_t>(0, i * g.sh - g.pt), r1 = std::min(g.h, i * g.sh - g.pt + g.fh);
      for (int64_t j = 0; j < g.ow; j++) {
        const int64_t c0 = std::max<int64_t>(0, j * g.sw - g.pl), c1 = std::min(g.w, j * g.sw - g.pl + g.fw);
        float* yo = y + ((b * g.oh + i) * g.ow + j) * g.c;
        // The cpu backend's rule: start at -inf, take a pixel only if strictly greater (so NaN is never taken;
        // an all-padding window stays -inf). Branch-free so it vectorises over channels.
        std::fill(yo, yo + g.c, -std::numeric_limits<float>::infinity());
        for (int64_t r = r0; r < r1; r++) {
          for (int64_t q = c0; q < c1; q++) {
            const float* xr = x + ((b * g.h + r) * g.w + q) * g.c;
            for (int64_t k = 0; k < g.c; k++) yo[k] = xr[k] > yo[k] ? xr[k] : yo[k];
          }
        }
      }
    }
  }
}

void maxPoolGrad(const PoolGeometry& g, const float* x, const float* dy, float* dx) {
  std::memset(dx, 0, sizeof(float) * g.n * g.h * g.w * g.c);
  // Windows overlap along H and W, so work is split by image: no two threads write the same dx element.
#pragma omp parallel
  {
    std::vector<float> best(g.c);
    std::vector<int64_t> where(g.c);
#pragma omp for schedule(static)
    for (int64_t b = 0; b < g.n; b++) {
      for (int64_t i = 0; i < g.oh; i++) {
        const int64_t r0 = i * g.sh - g.pt;
        const int64_t r1 = std::min(g.h, r0 + g.fh);
        for (int64_t j = 0; j < g.ow; j++) {
          const int64_t c0 = j * g.sw - g.pl;
          const int64_t c1 = std::min(g.w, c0 + g.fw);
          std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
          std::fill(where.begin(), where.end(), -1);
          for (int64_t r = std::max<int64_t>(0, r0); r < r1; r++) {
            for (int64_t q = std::max<int64_t>(0, c0); q < c1; q++) {
              const int64_t off = ((b * g.h + r) * g.w + q) * g.c;
              const float* xr = x + off;
              float* bk = best.data();
              int64_t* wk = where.data();
              // Branch-free so it vectorises; strict '>': the first maximum wins ties.
              for (int64_t k = 0; k < g.c; k++) {
                const bool gt = xr[k] > bk[k];
                bk[k] = gt ? xr[k] : bk[k];
                wk[k] = gt ? off + k : wk[k];
              }
            }
          }
          const int64_t go = ((b * g.oh + i) * g.ow + j) * g.c;
          for (int64_t k = 0; k < g.c; k++) {
            if (where[k] >= 0) dx[where[k]] += dy[go + k];
          }
        }
      }
    }
  }
}

void leadingSum(const float* x, int64_t rows, int64_t width, double scale, float* out) {
  const int nt = std::max(1, std::min<int>(omp_get_max_threads(), static_cast<int>(rows / 64) + 1));
  // One partial vector per thread, combined in thread order afterwards: the result does not depend on timing.
  std::vector<double> partial(static_cast<size_t>(nt) * width, 0.0);
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    const int64_t begin = rows * t / nt;
    const int64_t end = rows * (t + 1) / nt;
    double* acc = partial.data() + static_cast<size_t>(t) * width;
    for (int64_t r = begin; r < end; r++) {
      const float* row = x + r * width;
      for (int64_t k = 0; k < width; k++) acc[k] += row[k];
    }
  }
  for (int64_t k = 0; k < width; k++) {
    double s = 0;
    for (int t = 0; t < nt; t++) s += partial[static_cast<size_t>(t) * width + k];
    out[k] = static_cast<float>(s * scale);
  }
}

void middleSum(const float* x, int64_t outer, int64_t rows, int64_t width, double scale, float* out) {
  // One output block per outer index, summed in row order: the result does not depend on the thread count.
#pragma omp parallel
  {
    std::vector<double> acc(width);
#pragma omp for schedule(static)
    for (int64_t o = 0; o < outer; o++) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t r = 0; r < rows; r++) {
        const float* row = x + (o * rows + r) * width;
        for (int64_t k = 0; k < width; k++) acc[k] += row[k];
      }
      for (int64_t k = 0; k < width; k++) out[o * width + k] = static_cast<float>(acc[k] * scale);
    }
  }
}

void setThreads(int threads) { omp_set_num_threads(threads); }
int threads() { return omp_get_max_threads(); }

}  // namespace transfusion
