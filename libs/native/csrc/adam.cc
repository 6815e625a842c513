// One Adam step (with optional decoupled weight decay) per element, in the float32 operation order of
// @transfusion/train's Optimizer, so results equal its op-by-op tfjs computation bit for bit: no FMA
// contraction here (a fused multiply-add rounds once where tfjs rounds twice). The addon is compiled with
// -fno-math-errno, so sqrt needs no errno branch and the loop vectorises (vsqrtps rounds correctly, like sqrtf).
#pragma GCC optimize("fp-contract=off")
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"

namespace transfusion {
namespace {


// A plain loop over [begin, end) with restrict pointers and constants by value: vectorises (an OpenMP loop
// body reads everything through its shared-data struct, which the vectoriser cannot prove free of aliasing).
template <bool decay>
void stepRange(AdamConstants k, const float* __restrict w, const float* __restrict g, const float* __restrict m, const float* __restrict v,
               int64_t begin, int64_t end, float* __restrict wOut, float* __restrict mOut, float* __restrict vOut) {
  for (int64_t i = begin; i < end; i++) {
    const float m1 = m[i] * k.beta1 + g[i] * k.oneMinusBeta1;
    const float v1 = v[i] * k.beta2 + (g[i] * g[i]) * k.oneMinusBeta2;
    const float s = (m1 / k.correction1) / (std::sqrt(v1 / k.correction2) + k.epsilon);
    float next = w[i] - s * k.lr;
    if (decay) next = next - w[i] * k.decay;
    mOut[i] = m1;
    vOut[i] = v1;
    wOut[i] = next;
  }
}

template <bool decay>
void step(const AdamConstants& k, const float* w, const float* g, const float* m, const float* v, int64_t n, float* wOut, float* mOut,
          float* vOut) {
#pragma omp parallel if (n > (1 << 18))  // waking a second thread costs more than a small update
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    stepRange<decay>(k, w, g, m, v, n * t / nt, n * (t + 1) / nt, wOut, mOut, vOut);
  }
}

// In place: w, m, v are read and written at the same index only.
template <bool decay>
void stepInPlace(AdamConstants k, float* __restrict w, const float* __restrict g, float* __restrict m, float* __restrict v, int64_t begin,
                 int64_t end) {
  for (int64_t i = begin; i < end; i++) {
    const float m1 = m[i] * k.beta1 + g[i] * k.oneMinusBeta1;
    const float v1 = v[i] * k.beta2 + (g[i] * g[i]) * k.oneMinusBeta2;
    const float s = (m1 / k.correction1) / (std::sqrt(v1 / k.correction2) + k.epsilon);
    float next = w[i] - s * k.lr;
    if (decay) next = next - w[i] * k.decay;
    m[i] = m1;
    v[i] = v1;
    w[i] = next;
  }
}

}  // namespace

void adamInPlace(const AdamConstants& k, const std::vector<AdamTensors>& params) {
  // The parameters' elements laid end to end and split evenly between threads: one parallel region per step.
  std::vector<int64_t> start(params.size() + 1, 0);
  for (size_t p = 0; p < params.size(); p++) start[p + 1] = start[p] + params[p].n;
  const int64_t total = start.back();
#pragma omp parallel if (total > (1 << 18))
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t from = total * t / nt, to = total * (t + 1) / nt;
    for (size_t p = 0; p < params.size(); p++) {
      const int64_t b = std::max(from, start[p]), e = std::min(to, start[p + 1]);
      if (b >= e) continue;
      const AdamTensors& a = params[p];
      AdamConstants kp = k;
      if (!a.decay) kp.decay = 0.0f;
      if (kp.decay != 0.0f) stepInPlace<true>(kp, a.w, a.g, a.m, a.v, b - start[p], e - start[p]);
      else stepInPlace<false>(kp, a.w, a.g, a.m, a.v, b - start[p], e - start[p]);
    }
  }
}

void adam(const AdamConstants& k, const float* w, const float* g, const float* m, const float* v, int64_t n, float* wOut, float* mOut,
          float* vOut) {
  if (k.decay != 0.0f) step<true>(k, w, g, m, v, n, wOut, mOut, vOut);
  else step<false>(k, w, g, m, v, n, wOut, mOut, vOut);
}

}  // namespace transfusion
